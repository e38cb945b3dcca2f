// The PE reader shared with the build (scripts/build/pe.mjs verifies dist/hns-cni.exe with it before publishing).
export {
  IMAGE_FILE_MACHINE_AMD64,
  IMAGE_SUBSYSTEM_WINDOWS_CUI,
  listResources,
  type PeHeaders,
  type PeResource,
  parsePeHeaders,
  RT_RCDATA,
  readResource,
  rvaToOffset,
} from '../../scripts/build/pe.mjs';
