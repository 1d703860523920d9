#!/usr/bin/python3
# Runs a sipvicious tool (svmap, svwar, svcrack) of the installed Debian
# package, with two changes an attacker makes as a matter of course:
#   --user-agent UA   replaces the hard-coded "friendly-scanner", which any
#                     screen drops on sight (one line in svhelper.py);
#   -b ADDRESS        is honoured by svwar and svcrack too: sipvicious 0.3.3
#                     parses it but binds them to every address, so on
#                     loopback they would speak from 127.0.0.1.
# Usage: run.py [--user-agent UA] TOOL [tool arguments...]
# TOOL's package is found from where the command lives, as its own script does.
import importlib
import inspect
import os
import shutil
import sys

args = sys.argv[1:]
user_agent = None
if args[:1] == ['--user-agent'] and len(args) >= 2:
    user_agent, args = args[1], args[2:]
if not args:
    sys.exit('usage: run.py [--user-agent UA] TOOL [ARGS...]')
tool, tool_args = args[0], args[1:]
command = shutil.which(tool)
if command is None:
    sys.exit(f'{tool} is not installed: apt-get install sipvicious')
sys.path.insert(0, os.path.dirname(os.path.realpath(command)))

from sipvicious.libs import svhelper  # noqa: E402


def set_default(function, name, value):
    """Changes the default of one keyword parameter of a function."""
    with_defaults = [p.name for p in inspect.signature(function).parameters.values() if p.default is not inspect.Parameter.empty]
    defaults = list(function.__defaults__)
    defaults[with_defaults.index(name)] = value
    function.__defaults__ = tuple(defaults)


if user_agent is not None:
    set_default(svhelper.makeRequest, 'useragent', user_agent)

module = importlib.import_module(f'sipvicious.{tool}')
if '-b' in tool_args:
    address = tool_args[tool_args.index('-b') + 1]
    for cls in vars(module).values():
        if isinstance(cls, type) and cls.__module__ == module.__name__ and 'bindingip' in inspect.signature(cls.__init__).parameters:
            set_default(cls.__init__, 'bindingip', address)
sys.argv = [tool, *tool_args]
sys.exit(module.main())
