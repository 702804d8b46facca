// Build-time stand-in for hasown (form-data's): Object.hasOwn, which every supported Node has.
module.exports = Object.hasOwn;
