// Build-time stand-in for the mime-types copy form-data requires: every part wa-upload appends carries its own
// contentType, so form-data never looks a type up (its bundled table also says audio/x-aac, which WhatsApp rejects).
// Loading that copy and its 200 KB database cost start-up time for nothing.
module.exports = { lookup: () => false };
