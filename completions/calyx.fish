# fish completion for calyx(8): subcommands, their flags and container IDs,
# read from calyx's own --help and `calyx list -q` (with the --root given).

# The subcommand typed so far (status 1: none yet).
function __calyx_subcommand
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case --root --log --log-format --cgroup-manager --rootless
                set skip 1
            case '-*'
            case '*'
                echo $t
                return 0
        end
    end
    return 1
end

function __calyx_root
    set -l tokens (commandline -opc)
    set -l i (contains -i -- --root $tokens)
    and echo --root $tokens[(math $i + 1)]
end

function __calyx_commands
    calyx --help 2>/dev/null | awk '/^Commands:/ { c = 1; next } c && /^$/ { exit } c { sub(",", "", $1); print $1 }'
end

function __calyx_flags
    set -l cmd (__calyx_subcommand)
    if set -q cmd[1]
        calyx $cmd --help 2>/dev/null
    else
        calyx --help 2>/dev/null
    end | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[ ,]//' | sort -u
end

function __calyx_ids
    set -l cmd (__calyx_subcommand)
    switch "$cmd"
        case spec features list help h
            return
    end
    calyx (string split ' ' -- (__calyx_root)) list -q 2>/dev/null
end

complete -c calyx -f
complete -c calyx -n 'not __calyx_subcommand' -a '(__calyx_commands)'
complete -c calyx -n '__calyx_subcommand; and contains -- (__calyx_subcommand) help h' -a '(__calyx_commands)'
complete -c calyx -n 'string match -q -- "-*" (commandline -ct)' -a '(__calyx_flags)'
complete -c calyx -n '__calyx_subcommand' -a '(__calyx_ids)'
