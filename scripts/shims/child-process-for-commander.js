// Build-time stand-in for node:child_process inside commander: commander loads it for executable subcommands
// (`program.command('x', 'description')` running a separate file), which wa-upload does not have.
module.exports = {
  spawn() {
    throw new Error('executable subcommands are not included in the wa-upload bundle');
  },
};
