// Shell completion scripts (bash, zsh, fish) written from the program itself (its commands and the settings schema), so they never drift from the flags.

/** One option as completion sees it: its flags, and what its value is when it takes one. */
export interface CompletionOption {
  long: string;
  short?: string | undefined;
  description: string;
  /** `none`: a switch; `words`: one of `values`; `file`: a path; `text`: anything (nothing to offer). */
  value: 'none' | 'words' | 'file' | 'text';
  values?: readonly string[] | undefined;
}

/**
 * What completion needs to know: the commands (with `help`), each one's options (the root's are the upload's), and
 * the words a command's operand takes (`completion` → shell names, `help` → command names).
 */
export interface CompletionSpec {
  program: string;
  rootOptions: CompletionOption[];
  commands: { name: string; description: string; options: CompletionOption[]; argumentValues?: readonly string[] | undefined; operandIsFile: boolean }[];
}

/** The shells there is a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** The completion script for one shell; file operands complete as paths (names with spaces kept whole). */
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

/** Every flag of a list of options that reads a value, as shell words. */
function valueFlags(options: CompletionOption[]): string[] {
  return options.filter((o) => o.value !== 'none').flatMap((o) => [o.long, ...(o.short ? [o.short] : [])]);
}

function allOptions(spec: CompletionSpec): CompletionOption[] {
  const seen = new Map<string, CompletionOption>();
  for (const o of [...spec.rootOptions, ...spec.commands.flatMap((c) => c.options)]) seen.set(o.long, o);
  return [...seen.values()];
}

function bashScript(spec: CompletionSpec): string {
  const fn = `_${spec.program.replace(/[^a-zA-Z0-9]/g, '_')}_complete`;
  const names = spec.commands.map((c) => c.name);
  const flagsOf = (options: CompletionOption[]): string => options.map((o) => o.long).join(' ');
  const cases = spec.commands.map((c) => `    ${c.name}) opts="${flagsOf(c.options)}" ;;`).join('\n');
  const options = allOptions(spec);
  const valueCases = options
    .filter((o) => o.value !== 'none')
    .map((o) => {
      const words = [o.long, ...(o.short ? [o.short] : [])].join('|');
      if (o.value === 'words') return `    ${words}) mapfile -t COMPREPLY < <(compgen -W "${o.values!.join(' ')}" -- "$cur"); return ;;`;
      if (o.value === 'file') return `    ${words}) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;`;
      return `    ${words}) return ;;`;
    });
  const argumentCases = spec.commands.filter((c) => c.argumentValues).map((c) => `      ${c.name}) mapfile -t COMPREPLY < <(compgen -W "${c.argumentValues!.join(' ')}" -- "$cur"); return ;;`);
  return `# bash completion for ${spec.program}: add to ~/.bashrc:  source <(${spec.program} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" operands=0 opts="${flagsOf(spec.rootOptions)}"
  local i word
  case "$prev" in
${valueCases.join('\n')}
  esac
  # The command is the first word that is not an option or an option's value, wherever options stand before it.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$word" in
      ${valueFlags(options).join('|')}) ((i++)); continue ;;
      -*) continue ;;
    esac
    if [[ -z "$cmd" && $operands -eq 0 ]]; then
      case "$word" in
        ${names.join('|')}) cmd="$word"; continue ;;
      esac
    fi
    ((operands++))
  done
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    return
  fi
  case "$cmd" in
${argumentCases.join('\n')}
  esac
  if [[ -z "$cmd" && $operands -eq 0 ]]; then
    mapfile -t COMPREPLY < <(compgen -W "${names.join(' ')}" -- "$cur"; compgen -f -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}
complete -o filenames -F ${fn} ${spec.program}
`;
}

/** A text inside zsh/fish single quotes: ' becomes '\\'' (the text stays whole: "a media ID's URL"). */
function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** An `_arguments` spec for one option: its description, and its value's kind when it takes one. */
function zshOption(o: CompletionOption): string[] {
  const description = `[${o.description.replace(/[[\]:\\]/g, ' ')}]`;
  const value = o.value === 'words' ? `:value:(${o.values!.join(' ')})` : o.value === 'file' ? ':file:_files' : o.value === 'text' ? ':value: ' : '';
  return [o.long, ...(o.short ? [o.short] : [])].map((flag) => singleQuoted(`${flag}${description}${value}`));
}

function zshScript(spec: CompletionSpec): string {
  const fn = `_${spec.program.replace(/-/g, '_')}`;
  // _describe reads name:description, so a colon in a description is escaped.
  const commands = spec.commands.map((c) => singleQuoted(`${c.name}:${c.description.replace(/:/g, '\\:')}`)).join(' ');
  const options = allOptions(spec);
  const cases = spec.commands
    .map((c) => {
      const operand = c.argumentValues ? singleQuoted(`*:${c.name}:(${c.argumentValues.join(' ')})`) : c.operandIsFile ? `'*:file:_files'` : `'*:media ID: '`;
      return `    ${c.name}) _arguments -s ${c.options.flatMap(zshOption).join(' ')} ${operand} ;;`;
    })
    .join('\n');
  return `#compdef ${spec.program}
# zsh completion for ${spec.program}: put in a folder on $fpath as _${spec.program}, or:  source <(${spec.program} completion zsh)
${fn}() {
  local -a commands
  local i cmd="" at=0
  commands=(${commands})
  # The command is the first word that is not an option or an option's value, wherever options stand before it.
  for ((i = 2; i < CURRENT; i++)); do
    case "$words[i]" in
      ${valueFlags(options).join('|')}) ((i++)); continue ;;
      -*) continue ;;
      ${spec.commands.map((c) => c.name).join('|')}) cmd="$words[i]"; at=$i; break ;;
      *) break ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    if [[ "$PREFIX" != -* ]] && (( i == CURRENT )); then
      _describe 'command' commands
    fi
    _arguments -s ${spec.rootOptions.flatMap(zshOption).join(' ')} '*:file:_files'
    return
  fi
  # From the command on, as if it were typed alone: its options and its operands.
  shift $(( at - 1 )) words
  (( CURRENT -= at - 1 ))
  case "$cmd" in
${cases}
  esac
}
# Sourced into a shell that has not run compinit: run it, so that compdef exists.
if (( ! $+functions[compdef] )); then
  autoload -Uz compinit && compinit -u
fi
compdef ${fn} ${spec.program}
`;
}

function fishScript(spec: CompletionSpec): string {
  const names = spec.commands.map((c) => c.name).join(' ');
  const lines = [`# fish completion for ${spec.program}: ${spec.program} completion fish > ~/.config/fish/completions/${spec.program}.fish`];
  lines.push(`complete -c ${spec.program} -f`);
  const option = (condition: string, o: CompletionOption): string => {
    const flags = `-l ${o.long.replace(/^--/, '')}${o.short ? ` -s ${o.short.replace(/^-/, '')}` : ''}`;
    const value = o.value === 'words' ? ` -x -a ${singleQuoted(o.values!.join(' '))}` : o.value === 'file' ? ' -r -F' : o.value === 'text' ? ' -x' : '';
    return `complete -c ${spec.program} -n "${condition}" ${flags}${value} -d ${singleQuoted(o.description)}`;
  };
  for (const c of spec.commands) {
    lines.push(`complete -c ${spec.program} -n "not __fish_seen_subcommand_from ${names}" -a ${c.name} -d ${singleQuoted(c.description)}`);
    if (c.argumentValues) lines.push(`complete -c ${spec.program} -n "__fish_seen_subcommand_from ${c.name}" -x -a ${singleQuoted(c.argumentValues.join(' '))}`);
    else if (c.operandIsFile) lines.push(`complete -c ${spec.program} -n "__fish_seen_subcommand_from ${c.name}" -F`);
    for (const o of c.options) lines.push(option(`__fish_seen_subcommand_from ${c.name}`, o));
  }
  // Uploads: files, and the root's options, until a command word is seen.
  lines.push(`complete -c ${spec.program} -n "not __fish_seen_subcommand_from ${names}" -F`);
  for (const o of spec.rootOptions) lines.push(option(`not __fish_seen_subcommand_from ${names}`, o));
  return `${lines.join('\n')}\n`;
}
