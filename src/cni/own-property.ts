// Keys that come from outside (CNI_ARGS, runtimeConfig, config files, log fields) are written with this rather than
// `obj[key] = value`: assigning to "__proto__" replaces the object's prototype instead of adding a key, which hides
// the key from every later check. A plain data property is what JSON.parse would have made.
export function setOwnProperty(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
