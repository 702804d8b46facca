// Build-time stand-in for node:crypto in form-data, which uses it for randomBytes (its boundary) only: the real module
// loads if form-data ever makes a boundary itself, which it does not in wa-upload (src/graph/multipart-body.ts sets one).
module.exports = {
  randomBytes(size) {
    return require('node:crypto').randomBytes(size);
  },
};
