// Limits of settings that both the flag parser (cli.ts) and the settings merge check.

/** The longest wait a Node timer holds (2^31 - 1 ms, 24.8 days): a longer one would fire at once, with a warning. */
export const MAX_SECONDS = 2_147_483;
