// Every command's definition, in the order `--help` lists them (the root, uploads, first).

import { completionDefinition } from './completion-definition.js';
import type { CommandDefinition } from './definition.js';
import { handleDefinition } from './handle-definition.js';
import { deleteDefinition, downloadDefinition, infoDefinition } from './media-definitions.js';
import { sandboxDefinition } from './sandbox-definition.js';
import { uploadDefinition } from './upload-definition.js';

export const COMMANDS: readonly CommandDefinition[] = [
  uploadDefinition,
  handleDefinition,
  sandboxDefinition,
  infoDefinition,
  downloadDefinition,
  deleteDefinition,
  completionDefinition,
];
