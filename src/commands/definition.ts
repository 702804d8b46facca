// What a command is, as the program builder (cli.ts) sees it: its name, words, operands, help and the action that runs it.

import type { CommandName } from '../settings/schema.js';
import type { Flags, ProcessContext } from './context.js';
import type { CompletionSpec } from './completion.js';

/** What a command's action may ask of the program around it. */
export interface ProgramInfo {
  /** The commands and options of the whole program, for completion scripts. */
  completionSpec(): CompletionSpec;
}

/**
 * One command. Its options are the settings schema's records whose `commands` name it; everything else about it lives
 * in its definition, beside its implementation. `run` loads the implementation on first use (`--help` loads none).
 */
export interface CommandDefinition {
  name: CommandName;
  /** One line for the command list and the docs. */
  summary: string;
  /** The operand, as commander writes it: `[files...]`, `<media-id...>`, `<shell>`; absent for none. */
  operand?: { syntax: string; description: string; choices?: readonly string[] };
  /** The usage line after the program's name, when commander's is not the clearest. */
  usage?: string;
  /** Text after the options in `--help`: what it is for, examples. */
  helpAfter?: string;
  run(operands: string[], flags: Flags, context: ProcessContext, program: ProgramInfo): Promise<number>;
}
