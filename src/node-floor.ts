// The oldest Node wa-upload runs on, and the one-line refusal the launcher gives an older one before it loads anything.
//
// Bundled into dist/launch.cjs, which is built for Node 16 syntax so that an old Node can parse it and say why it stops,
// instead of failing inside the bundle with a SyntaxError or a missing API reported as a bug.

/** package.json's engines (>=20.19.0): test/node-runtime.test.ts keeps the two equal. */
export const OLDEST_SUPPORTED_NODE = '20.19.0';

/** True when `version` (process.versions.node, e.g. '18.20.8') is older than OLDEST_SUPPORTED_NODE. */
export function isOlderThanSupported(version: string): boolean {
  const have = version.split('.').map((part) => parseInt(part, 10) || 0);
  const need = OLDEST_SUPPORTED_NODE.split('.').map(Number);
  for (let i = 0; i < need.length; i++) {
    const part = have[i] || 0;
    if (part !== need[i]) return part < need[i]!;
  }
  return false;
}

/** The error and hint an unsupported Node gets, two lines (exit 3: the setup is wrong, not wa-upload). */
export function unsupportedNodeMessage(version: string): string {
  const [major, minor] = OLDEST_SUPPORTED_NODE.split('.');
  return (
    `error: wa-upload needs Node ${major}.${minor} or later (this is Node ${version})\n` +
    `hint: install Node ${major}.${minor} or later, e.g. the current LTS from https://nodejs.org/en/download (or \`nvm install --lts\`), and run wa-upload with it\n`
  );
}
