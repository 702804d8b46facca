// Build-time stand-in for es-set-tostringtag (form-data's): the same one-property definition without the
// get-intrinsic chain (a dozen modules evaluated at start-up to find Object.defineProperty and Symbol.toStringTag).
module.exports = function setToStringTag(object, value, options) {
  if (!options?.force && Object.hasOwn(object, Symbol.toStringTag)) return;
  Object.defineProperty(object, Symbol.toStringTag, { configurable: !options?.nonConfigurable, enumerable: false, value, writable: false });
};
