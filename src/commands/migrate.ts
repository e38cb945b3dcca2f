// `hns-cni migrate < old.conf`: the native hns-cni config equivalent to a config written for win-bridge,
// win-overlay, WCN's nat/sdnbridge/sdnoverlay or SDN's wincni, on stdout; one note per difference on stderr (or
// both as {config, notes} with --json). A flannel config keeps its flannel wrapper (flannel still injects name,
// ipam, ipMasq and ipMasqNetwork into the delegate); in a conflist each plugin is migrated. A native config comes
// back as it is. The anchor's rules are read exactly as an ADD reads them (config/load.ts), so what migrate prints
// is what hns-cni already does with the old config.
import { isCniError } from '../cni/errors.js';
import { readStdin } from '../cni/io.js';
import { type FamilyChoice, familyOfName } from '../config/family.js';
import { isObject } from '../config/go-json.js';
import { loadNetConf } from '../config/load.js';
import { MODE_NETWORK_TYPES } from '../config/schema.js';
import type { NetConf } from '../config/types.js';
import { isDelegatedIpam } from '../ipam/config.js';
import { printError, printJson, printText } from './output.js';

const USAGE =
  'usage: hns-cni migrate [--as win-bridge|win-overlay|sdnbridge|nat|sdnoverlay|wincni] [--json] < old.conf';

export interface Migration {
  config: Record<string, unknown>;
  notes: string[];
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    printText(USAGE);
    return 0;
  }
  const asIndex = argv.indexOf('--as');
  const as = asIndex >= 0 ? argv[asIndex + 1] : undefined;
  if (asIndex >= 0 && familyOfName(as) === undefined) {
    printError(`hns-cni migrate: --as needs an anchor plugin's name\n${USAGE}`);
    return 2;
  }
  try {
    const text = readStdin()
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    const migration = migrateDocument(JSON.parse(text) as unknown, as);
    if (argv.includes('--json')) {
      printJson(migration);
    } else {
      printText(JSON.stringify(migration.config, null, 2));
      for (const note of migration.notes) printError(`# ${note}`);
    }
    return 0;
  } catch (error) {
    const what = isCniError(error) ? `${error.message} (CNI code ${error.code})` : (error as Error).message;
    printError(`hns-cni migrate: ${what}`);
    return 1;
  }
}

/** A single config, a conflist or a flannel config → its native equivalent. `as`: the plugin it was written for. */
export function migrateDocument(doc: unknown, as?: string): Migration {
  if (!isObject(doc)) throw new Error('the config must be a JSON object');
  if (Array.isArray(doc.plugins)) {
    const notes: string[] = [];
    const plugins = doc.plugins.map((plugin, i) => {
      if (!isObject(plugin)) return plugin;
      const m = migratePlugin({ cniVersion: doc.cniVersion, name: doc.name, ...plugin }, as);
      notes.push(...m.notes.map((n) => `plugins[${i}]: ${n}`));
      const { cniVersion: _v, name: _n, ...rest } = m.config;
      return rest;
    });
    return { config: { ...doc, plugins }, notes };
  }
  return migratePlugin(doc, as);
}

function migratePlugin(plugin: Record<string, unknown>, as: string | undefined): Migration {
  if (plugin.type === 'flannel') {
    const delegate = isObject(plugin.delegate) ? plugin.delegate : {};
    // What flannel_windows.go hands over, minus the values it injects at run time.
    const inner = migrateOne(
      // As flannel hands it over, with stand-ins for what flannel injects at run time (ipMasq marks flanneld's
      // network as external, and is FLANNEL_IPMASQ, true in flannel's Windows set-ups; the ipam only shapes the
      // reading and is left out of the output).
      {
        type: 'win-bridge',
        ...delegate,
        name: plugin.name,
        cniVersion: plugin.cniVersion ?? '0.2.0',
        ipMasq: true,
        ipam: { type: 'host-local', subnet: '10.0.0.0/24' },
        // the runtime's capability arguments reach the delegate through flannel's runtimeConfig
        ...(plugin.capabilities !== undefined && { capabilities: plugin.capabilities }),
      },
      as,
      true,
    );
    const { name: _n, cniVersion: _v, ...rest } = inner.config;
    return { config: { ...plugin, delegate: rest }, notes: inner.notes.map((n) => `delegate: ${n}`) };
  }
  return migrateOne(plugin, as, false);
}

function migrateOne(plugin: Record<string, unknown>, as: string | undefined, flannel: boolean): Migration {
  const conf = loadNetConf(plugin, as === undefined ? {} : { invokedAs: as });
  if (conf.family === 'hns-cni') return { config: plugin, notes: ['already a native hns-cni config: unchanged'] };
  return nativeForm(conf, plugin, flannel);
}

/** The native config whose NetConf is `conf`'s, with a note for everything the native form cannot say. */
export function nativeForm(conf: NetConf, original: Record<string, unknown>, flannel: boolean): Migration {
  const notes: string[] = [`read with ${conf.family}'s rules (${describeSource(conf)})`];
  for (const note of conf.notes) {
    if (note.level !== 'debug') notes.push(note.path === undefined ? note.text : `${note.path}: ${note.text}`);
  }
  if (conf.cniVersion === '') notes.push('no cniVersion: libcni reads that as 0.1.0, now written out');
  const config: Record<string, unknown> = {
    cniVersion: conf.cniVersion === '' ? '0.1.0' : conf.cniVersion,
    name: conf.name,
    type: 'hns-cni',
    mode: conf.mode,
  };
  if (conf.networkOwner === 'external') config.networkOwner = 'external';
  const wanted = MODE_NETWORK_TYPES[conf.mode];
  const others = conf.acceptedNetworkTypes.filter((t) => t !== wanted);
  if (others.length > 0) {
    notes.push(
      `an existing network of type ${others.join(' or ')} was accepted by ${conf.family}; native mode ${conf.mode} needs ${wanted}`,
    );
  }
  if (conf.networkIpam !== undefined) config.networkSubnet = conf.networkIpam.subnet;
  const gateways = [conf.gateway, conf.gateway6].filter((g): g is string => g !== undefined);
  if (gateways.length > 0) config.gateway = gateways.join(',');
  const defaultFrom = conf.mode === 'l2bridge' ? 'hostEndpoint' : 'addressSource';
  if (conf.gateway === undefined && conf.gatewayFrom !== defaultFrom) config.gatewayFrom = conf.gatewayFrom;
  if (conf.gatewayFrom6 !== (config.gatewayFrom ?? defaultFrom) && conf.gateway6 === undefined) {
    notes.push(
      `a pod's IPv6 gateway comes from the address source in ${conf.family}; a native config applies its gatewayFrom to both families`,
    );
  }
  const generating = conf.mode === 'l2bridge' || conf.mode === 'overlay';
  // The anchors never generate an OutBoundNAT: their list is exactly `policies`.
  if (generating) {
    const podSubnet = conf.policyLayout === 'win-overlay' && conf.compat.ipMasq === true;
    config.outboundNAT = { enabled: false, ...(podSubnet && { podSubnet: true }) };
    if (podSubnet && flannel) {
      notes.push(
        "outboundNAT.podSubnet: win-overlay exempts the network's subnet when flannel's FLANNEL_IPMASQ is true (flannel's default); drop it if yours is false",
      );
    }
  }
  if (conf.policies.length > 0) config.policies = conf.policies.map((value) => ({ name: 'EndpointPolicy', value }));
  if (conf.loopbackDSR && generating) config.loopbackDSR = true;
  if (conf.loopbackDSR && !generating)
    notes.push(`loopbackDSR dropped: native configs allow it in l2bridge and overlay modes only`);
  if (conf.policyLayout === 'win-overlay') {
    if (conf.macPrefix !== '0E-2A') notes.push(`endpointMacPrefix ${conf.macPrefix}: native configs use 0E-2A`);
    notes.push(
      "win-overlay's provider address policy: a native overlay config adds the network's provider address (or nodeIP) the same way",
    );
  }
  // Native configs set LocalRoutedVip by default (issue 10 F4); keep the anchor's choice, and say what it costs.
  if (!conf.portMapping.localRoutedVip || conf.portMapping.inboundAcl) config.portMapping = { ...conf.portMapping };
  if (!conf.portMapping.localRoutedVip) {
    notes.push(
      `portMapping.localRoutedVip: false, as ${conf.family} maps host ports; drop it (the native default is true) so the node itself can reach its pods' host ports`,
    );
  }
  const dns = dnsOf(conf);
  if (dns !== undefined) config.dns = dns;
  if (conf.dnsRules.namespaceSearch && conf.dns.search.length > 0) {
    notes.push(
      `dns: ${conf.family} writes "<pod namespace>." in front of "${conf.dns.search[0]}"; a native config passes the list through: declare the "dns" capability so the runtime's search list (which starts with the namespaced domain) is used`,
    );
  }
  if (!conf.dnsRules.runtimeOptions && conf.capabilities.dns === true) {
    notes.push(`dns: ${conf.family} ignores the runtime's DNS options (kubelet's ndots); a native config applies them`);
  }
  if (conf.policyLayout === 'wcn' && conf.mode === 'l2bridge' && conf.capabilities.portMappings === true) {
    notes.push("port mappings follow the config's policies in the native l2bridge layout (WCN lists them first)");
  }
  if (conf.ipam !== undefined && flannel) {
    // flannel injects its own ipam into the delegate at run time
  } else if (conf.ipam !== undefined) {
    config.ipam = isDelegatedIpam(conf.ipam) ? original[keyOf(original, 'ipam') ?? 'ipam'] : conf.ipam;
  } else if (!flannel) {
    notes.push('no "ipam": HNS assigns the pod addresses, as before');
  }
  if (!flannel && Object.keys(conf.capabilities).length > 0) config.capabilities = conf.capabilities;
  for (const key of ['log', 'timeouts', 'hostNetwork']) if (original[key] !== undefined) config[key] = original[key];
  if (flannel) notes.push('flannel still injects name, ipam, ipMasq and ipMasqNetwork into this delegate');
  return { config, notes };
}

function dnsOf(conf: NetConf): Record<string, unknown> | undefined {
  const d = conf.dns;
  const out = {
    ...(d.nameservers.length > 0 && { nameservers: d.nameservers }),
    ...(d.domain !== undefined && { domain: d.domain }),
    ...(d.search.length > 0 && { search: d.search }),
    ...(d.options.length > 0 && { options: d.options }),
  };
  return Object.keys(out).length > 0 ? out : undefined;
}

function describeSource(conf: NetConf): string {
  const how: Record<FamilyChoice['source'], string> = {
    executable: 'the executable name',
    type: 'its "type"',
    shape: 'its fields',
    native: 'native',
  };
  return `chosen by ${how[conf.familySource]}`;
}

function keyOf(obj: Record<string, unknown>, lower: string): string | undefined {
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}
