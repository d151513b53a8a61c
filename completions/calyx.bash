# bash completion for calyx(8): subcommands, their flags and container IDs.
# Subcommands and flags are read from calyx's own --help, so they follow the
# binary; IDs come from `calyx list -q` (with the --root given, if any).

# The subcommands, from the "Commands:" block of `calyx --help`.
_calyx_commands()
{
	"$1" --help 2>/dev/null | awk '
		/^Commands:/ { c = 1; next }
		c && /^$/ { exit }
		c { sub(",", "", $1); print $1 }'
}

# The flags of subcommand $2 (none: the global ones).
_calyx_flags()
{
	if [[ -n $2 ]]; then
		"$1" "$2" --help 2>/dev/null
	else
		"$1" --help 2>/dev/null
	fi | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[ ,]//' | sort -u
}

_calyx()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local bin=${COMP_WORDS[0]} cmd="" word i
	local -a root=()

	# the subcommand is the first word that is neither a global flag nor
	# the value of one
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		case $word in
		--root) root=(--root "${COMP_WORDS[i + 1]}"); ((i++)) ;;
		--root=*) root=(--root "${word#--root=}") ;;
		--log | --log-format | --cgroup-manager | --rootless) ((i++)) ;;
		-*) ;;
		*) cmd=$word; break ;;
		esac
	done
	COMPREPLY=()
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_calyx_flags "$bin" "$cmd")" -- "$cur")
		return
	fi
	case $prev in
	--root | --log | -b | --bundle | --rootfs | --pid-file | --console-socket | \
	--report | --env-file | --keep-changes | --seccomp | --process | -p | \
	-r | --resources | --image-path | --work-path)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	esac
	case $cmd in
	"") mapfile -t COMPREPLY < <(compgen -W "$(_calyx_commands "$bin")" -- "$cur") ;;
	help | h) mapfile -t COMPREPLY < <(compgen -W "$(_calyx_commands "$bin")" -- "$cur") ;;
	spec | features | list) ;;
	*) mapfile -t COMPREPLY < <(compgen -W "$("$bin" "${root[@]}" list -q 2>/dev/null)" -- "$cur") ;;
	esac
}

complete -F _calyx calyx
