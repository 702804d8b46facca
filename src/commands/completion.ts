// Shell completion scripts (bash, zsh, fish) written from the commander program itself, so they never drift from the flags.

/**
 * What completion needs to know: the commands and the long options of each (the root's are the upload's), the values
 * an option takes (`--type` → MIME types) and the words a command's argument takes (`completion` → shell names).
 */
export interface CompletionSpec {
  program: string;
  rootOptions: string[];
  commands: { name: string; description: string; options: string[]; argumentValues?: readonly string[] }[];
  optionValues: Record<string, readonly string[]>;
}

/** The shells there is a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** The completion script for one shell; file arguments complete as paths. */
export function completionScript(shell: CompletionShell, spec: CompletionSpec): string {
  switch (shell) {
    case 'bash':
      return bashScript(spec);
    case 'zsh':
      return zshScript(spec);
    case 'fish':
      return fishScript(spec);
  }
}

function bashScript(spec: CompletionSpec): string {
  const fn = `_${spec.program.replace(/[^a-zA-Z0-9]/g, '_')}_complete`;
  const cases = spec.commands.map((c) => `    ${c.name}) opts="${c.options.join(' ')}" ;;`).join('\n');
  const values = Object.entries(spec.optionValues).map(([option, words]) => `    ${option}) COMPREPLY=($(compgen -W "${words.join(' ')}" -- "$cur")); return ;;`);
  const argumentCases = spec.commands
    .filter((c) => c.argumentValues)
    .map((c) => `    ${c.name}) COMPREPLY=($(compgen -W "${c.argumentValues!.join(' ')}" -- "$cur")); return ;;`);
  return `# bash completion for ${spec.program}: add to ~/.bashrc:  source <(${spec.program} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" opts="${spec.rootOptions.join(' ')}"
  local i
  case "$prev" in
${values.join('\n')}
  esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${spec.commands.map((c) => c.name).join('|')}) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" != -* ]]; then
    case "$cmd" in
${argumentCases.join('\n')}
    esac
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -z "$cmd" && COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${spec.commands.map((c) => c.name).join(' ')}" -- "$cur") $(compgen -f -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F ${fn} ${spec.program}
`;
}

/** A text inside zsh/fish single quotes: ' becomes '\'' (the text stays whole: "a media ID's URL"). */
function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** An `_arguments` spec for one option: with its values when it takes some. */
function zshOption(option: string, spec: CompletionSpec): string {
  const values = spec.optionValues[option];
  return singleQuoted(values ? `${option}:value:(${values.join(' ')})` : option);
}

function zshScript(spec: CompletionSpec): string {
  // _describe reads name:description, so a colon in a description is escaped.
  const commands = spec.commands.map((c) => singleQuoted(`${c.name}:${c.description.replace(/:/g, '\\:')}`)).join(' ');
  const cases = spec.commands
    .map((c) => {
      const operand = c.argumentValues ? singleQuoted(`1:${c.name}:(${c.argumentValues.join(' ')})`) : `'*:file:_files'`;
      return `    ${c.name}) _arguments ${c.options.map((o) => zshOption(o, spec)).join(' ')} ${operand} ;;`;
    })
    .join('\n');
  return `#compdef ${spec.program}
# zsh completion for ${spec.program}: put in a folder on $fpath as _${spec.program}, or:  source <(${spec.program} completion zsh)
_${spec.program.replace(/-/g, '_')}() {
  local -a commands
  commands=(${commands})
  if (( CURRENT == 2 )) && [[ "$words[2]" != -* ]]; then
    _describe 'command' commands
    _files
    return
  fi
  case "$words[2]" in
${cases}
    *) _arguments ${spec.rootOptions.map((o) => zshOption(o, spec)).join(' ')} '*:file:_files' ;;
  esac
}
compdef _${spec.program.replace(/-/g, '_')} ${spec.program}
`;
}

function fishScript(spec: CompletionSpec): string {
  const names = spec.commands.map((c) => c.name).join(' ');
  const lines = [`# fish completion for ${spec.program}: ${spec.program} completion fish > ~/.config/fish/completions/${spec.program}.fish`];
  const option = (condition: string, o: string): string => {
    const values = spec.optionValues[o];
    return `complete -c ${spec.program} -n "${condition}" -l ${o.replace(/^--/, '')}${values ? ` -x -a ${singleQuoted(values.join(' '))}` : ''}`;
  };
  for (const c of spec.commands) {
    lines.push(`complete -c ${spec.program} -n "not __fish_seen_subcommand_from ${names}" -a ${c.name} -d ${singleQuoted(c.description)}`);
    if (c.argumentValues) lines.push(`complete -c ${spec.program} -n "__fish_seen_subcommand_from ${c.name}" -x -a ${singleQuoted(c.argumentValues.join(' '))}`);
    for (const o of c.options) lines.push(option(`__fish_seen_subcommand_from ${c.name}`, o));
  }
  for (const o of spec.rootOptions) lines.push(option(`not __fish_seen_subcommand_from ${names}`, o));
  return `${lines.join('\n')}\n`;
}
