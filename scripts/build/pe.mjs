// A small reader for the parts of a PE (Windows executable) file the build checks: the headers (machine, PE32+,
// subsystem), the section table, the certificate (Authenticode) directory and the resource directory tree. Plain
// JavaScript so that scripts/build.mjs runs under bare `node`; test/helpers/pe.ts re-exports it for the tests.
// Layouts: Microsoft "PE Format" specification (IMAGE_*_HEADER, IMAGE_RESOURCE_DIRECTORY and friends).

export const IMAGE_FILE_MACHINE_AMD64 = 0x8664;
export const PE32_PLUS_MAGIC = 0x20b;
export const IMAGE_SUBSYSTEM_WINDOWS_CUI = 3;
export const RT_RCDATA = 10;

const DATA_DIRECTORY_SECURITY = 4;
const DATA_DIRECTORY_RESOURCE = 2;

/** @param {boolean} ok @param {string} what */
function check(ok, what) {
  if (!ok) throw new Error(`not a valid PE file: ${what}`);
}

/**
 * Parses the DOS, COFF and optional headers and the section table.
 * @param {Buffer} buf the whole file
 */
export function parsePeHeaders(buf) {
  check(buf.length >= 64 && buf.toString('latin1', 0, 2) === 'MZ', 'no MZ signature');
  const peOffset = buf.readUInt32LE(0x3c);
  check(peOffset + 24 <= buf.length && buf.toString('latin1', peOffset, peOffset + 4) === 'PE\0\0', 'no PE signature');
  const coff = peOffset + 4;
  const machine = buf.readUInt16LE(coff);
  const numberOfSections = buf.readUInt16LE(coff + 2);
  const sizeOfOptionalHeader = buf.readUInt16LE(coff + 16);
  const characteristics = buf.readUInt16LE(coff + 18);
  const opt = coff + 20;
  const magic = buf.readUInt16LE(opt);
  check(magic === PE32_PLUS_MAGIC || magic === 0x10b, `unknown optional header magic 0x${magic.toString(16)}`);
  // PE32+ has no BaseOfData and 64-bit stack/heap sizes, so the data directories start 16 bytes later.
  const subsystem = buf.readUInt16LE(opt + 68);
  const dirCountOffset = opt + (magic === PE32_PLUS_MAGIC ? 108 : 92);
  const numberOfRvaAndSizes = buf.readUInt32LE(dirCountOffset);
  const dataDirectories = [];
  for (let i = 0; i < numberOfRvaAndSizes; i++) {
    const at = dirCountOffset + 4 + i * 8;
    dataDirectories.push({ rva: buf.readUInt32LE(at), size: buf.readUInt32LE(at + 4) });
  }
  const sections = [];
  const sectionTable = opt + sizeOfOptionalHeader;
  for (let i = 0; i < numberOfSections; i++) {
    const at = sectionTable + i * 40;
    check(at + 40 <= buf.length, 'section table truncated');
    sections.push({
      name: buf.toString('latin1', at, at + 8).replace(/\0+$/, ''),
      virtualSize: buf.readUInt32LE(at + 8),
      virtualAddress: buf.readUInt32LE(at + 12),
      sizeOfRawData: buf.readUInt32LE(at + 16),
      pointerToRawData: buf.readUInt32LE(at + 20),
    });
  }
  return {
    machine,
    isPe32Plus: magic === PE32_PLUS_MAGIC,
    subsystem,
    characteristics,
    dataDirectories,
    sections,
    /** The certificate table is the one directory whose "rva" is a file offset. */
    certificateTable: dataDirectories[DATA_DIRECTORY_SECURITY] ?? { rva: 0, size: 0 },
  };
}

/**
 * Maps a relative virtual address to a file offset through the section table.
 * @param {ReturnType<typeof parsePeHeaders>} headers @param {number} rva
 */
export function rvaToOffset(headers, rva) {
  for (const s of headers.sections) {
    const span = Math.max(s.virtualSize, s.sizeOfRawData);
    if (rva >= s.virtualAddress && rva < s.virtualAddress + span) return rva - s.virtualAddress + s.pointerToRawData;
  }
  throw new Error(`RVA 0x${rva.toString(16)} is in no section`);
}

/**
 * Reads the resource tree (type → name → language) into a flat list of leaves.
 * Names are numbers (integer ids) or strings (UTF-16 names such as NODE_SEA_BLOB).
 * @param {Buffer} buf @param {ReturnType<typeof parsePeHeaders>} headers
 * @returns {{type: number | string, name: number | string, language: number | string, rva: number, size: number, offset: number}[]}
 */
export function listResources(buf, headers) {
  const dir = headers.dataDirectories[DATA_DIRECTORY_RESOURCE];
  if (!dir || dir.rva === 0) return [];
  const base = rvaToOffset(headers, dir.rva);
  /** @type {ReturnType<typeof listResources>} */
  const leaves = [];
  /** @param {number} nameField */
  const entryName = (nameField) => {
    if ((nameField & 0x80000000) === 0) return nameField;
    const at = base + (nameField & 0x7fffffff);
    const length = buf.readUInt16LE(at);
    return buf.toString('utf16le', at + 2, at + 2 + length * 2);
  };
  /** @param {number} dirOffset @param {(number | string)[]} path */
  const walk = (dirOffset, path) => {
    check(path.length < 3, 'resource tree deeper than type/name/language');
    const at = base + dirOffset;
    const entries = buf.readUInt16LE(at + 12) + buf.readUInt16LE(at + 14);
    for (let i = 0; i < entries; i++) {
      const entry = at + 16 + i * 8;
      const name = entryName(buf.readUInt32LE(entry));
      const target = buf.readUInt32LE(entry + 4);
      if (target & 0x80000000) {
        walk(target & 0x7fffffff, [...path, name]);
        continue;
      }
      check(path.length === 2, 'resource data entry above the language level');
      const data = base + target;
      const rva = buf.readUInt32LE(data);
      leaves.push({
        type: /** @type {number | string} */ (path[0]),
        name: /** @type {number | string} */ (path[1]),
        language: name,
        rva,
        size: buf.readUInt32LE(data + 4),
        offset: rvaToOffset(headers, rva),
      });
    }
  };
  walk(0, []);
  return leaves;
}

/**
 * The bytes of one resource, or undefined when the file has none of that type and name.
 * @param {Buffer} buf @param {number | string} type @param {number | string} name
 */
export function readResource(buf, type, name) {
  const headers = parsePeHeaders(buf);
  const leaf = listResources(buf, headers).find((r) => r.type === type && r.name === name);
  return leaf ? buf.subarray(leaf.offset, leaf.offset + leaf.size) : undefined;
}
