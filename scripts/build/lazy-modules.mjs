// Heavy dependencies that only rare paths use stay out of the main bundle: each is bundled on its own and embedded as
// a SEA asset, compiled only when the code first imports it. Every invocation parses and compiles the main bundle,
// so a 7 MB Kubernetes client there costs every VERSION, ADD and DEL ~10 ms with the code cache (Linux) and more
// without it (Windows), while the IPAM reads the Node object only when its on-disk cache cannot answer.
import { isBuiltin } from 'node:module';

/** import specifier → SEA asset name. Only modules the source imports dynamically (`await import(...)`) belong here. */
export const LAZY_MODULES = { '@kubernetes/client-node': 'k8s-client.cjs' };

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Replaces each lazy module with a stub: inside the SEA it evaluates the asset as a CommonJS module (with the SEA's
 * require, which only knows built-in modules: the asset bundle needs nothing else); outside (the plain bundle under
 * node) it requires the package from node_modules.
 * @param {Record<string, string>} lazy
 * @returns {import('esbuild').Plugin}
 */
export function lazyModulesPlugin(lazy) {
  const filter = new RegExp(`^(${Object.keys(lazy).map(escapeRegExp).join('|')})$`);
  return {
    name: 'hns-cni-lazy-modules',
    setup(build) {
      build.onResolve({ filter }, (args) =>
        args.namespace === 'hns-lazy'
          ? { path: args.path, external: true }
          : { path: args.path, namespace: 'hns-lazy' },
      );
      build.onLoad({ filter: /.*/, namespace: 'hns-lazy' }, (args) => ({
        loader: 'js',
        contents: `// ${args.path}: a separate SEA asset (scripts/build/lazy-modules.mjs)
const sea = require('node:sea');
if (sea.isSea()) {
  const asset = ${JSON.stringify(lazy[args.path])};
  const params = ['exports', 'require', 'module', '__filename', '__dirname'];
  const wrapper = require('node:vm').compileFunction(sea.getAsset(asset, 'utf8'), params, { filename: asset });
  const lazyModule = { exports: {} };
  wrapper.call(lazyModule.exports, lazyModule.exports, require, lazyModule, asset, '.');
  module.exports = lazyModule.exports;
} else {
  module.exports = require(${JSON.stringify(args.path)});
}
`,
      }));
    },
  };
}

/**
 * The esbuild options of one lazy module's own bundle (CommonJS, everything but Node built-ins included).
 * @param {string} specifier @param {string} outfile @param {import('esbuild').BuildOptions} common
 * @returns {import('esbuild').BuildOptions}
 */
export function lazyBundleOptions(specifier, outfile, common) {
  return {
    ...common,
    stdin: { contents: `module.exports = require(${JSON.stringify(specifier)});`, resolveDir: process.cwd() },
    outfile,
    external: [],
    metafile: true,
  };
}

/**
 * Optional add-ons that their users require inside try/catch and do without (ws: bufferutil, utf-8-validate;
 * node-fetch: encoding; debug: supports-color). Not installed, so esbuild leaves the require; in the SEA it throws
 * and the caller falls back, exactly as under node without them.
 */
const OPTIONAL_REQUIRES = new Set(['bufferutil', 'utf-8-validate', 'encoding', 'supports-color']);

/** Fails when a lazy bundle still imports something that is not a Node built-in (the SEA could not provide it). */
export function assertSelfContained(metafile, name) {
  const outside = Object.values(metafile.outputs)
    .flatMap((o) => o.imports)
    .filter((i) => i.external && !isBuiltin(i.path) && !OPTIONAL_REQUIRES.has(i.path))
    .map((i) => i.path);
  if (outside.length > 0) throw new Error(`${name} bundle needs modules the SEA cannot load: ${outside.join(', ')}`);
}
