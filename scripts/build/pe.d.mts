// Types for pe.mjs (plain JavaScript so the build runs under bare node), used by test/helpers/pe.ts.
export declare const IMAGE_FILE_MACHINE_AMD64: number;
export declare const PE32_PLUS_MAGIC: number;
export declare const IMAGE_SUBSYSTEM_WINDOWS_CUI: number;
export declare const RT_RCDATA: number;

export interface PeSection {
  name: string;
  virtualSize: number;
  virtualAddress: number;
  sizeOfRawData: number;
  pointerToRawData: number;
}

export interface PeDataDirectory {
  rva: number;
  size: number;
}

export interface PeHeaders {
  machine: number;
  isPe32Plus: boolean;
  subsystem: number;
  characteristics: number;
  dataDirectories: PeDataDirectory[];
  sections: PeSection[];
  /** Its `rva` is a file offset (the one directory that is not mapped). */
  certificateTable: PeDataDirectory;
}

export interface PeResource {
  type: number | string;
  name: number | string;
  language: number | string;
  rva: number;
  size: number;
  offset: number;
}

export declare function parsePeHeaders(buf: Buffer): PeHeaders;
export declare function rvaToOffset(headers: PeHeaders, rva: number): number;
export declare function listResources(buf: Buffer, headers: PeHeaders): PeResource[];
export declare function readResource(buf: Buffer, type: number | string, name: number | string): Buffer | undefined;
