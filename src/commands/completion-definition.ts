// The completion command's definition: `wa-upload completion <shell>` prints a script written from the program itself (completion.ts).

import { COMPLETION_SHELLS, completionScript, type CompletionShell } from './completion.js';
import type { CommandDefinition } from './definition.js';
import { ExitCode } from '../errors.js';

export const completionDefinition: CommandDefinition = {
  name: 'completion',
  summary: 'print a shell completion script (bash, zsh or fish)',
  operand: { syntax: '<shell>', description: 'the shell', choices: COMPLETION_SHELLS },
  helpAfter: `
Examples:
  source <(wa-upload completion bash)        in ~/.bashrc
  wa-upload completion zsh > ~/.zfunc/_wa-upload
  wa-upload completion fish > ~/.config/fish/completions/wa-upload.fish
`,
  run: async ([shell], _flags, context, program) => {
    context.stdout.write(completionScript(shell as CompletionShell, program.completionSpec()));
    return ExitCode.ok;
  },
};
