# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_luffy_global_optspecs
    string join \n db= config= json v/verbose q/quiet h/help V/version
end

function __fish_luffy_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_luffy_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_luffy_using_subcommand
    set -l cmd (__fish_luffy_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c luffy -n "__fish_luffy_needs_command" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_needs_command" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_needs_command" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_needs_command" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_needs_command" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_needs_command" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_needs_command" -s V -l version -d 'Print version'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "service" -d 'Configure the services luffy watches'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "source" -d 'Configure where a service\'s logs come from'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "status" -d 'Show every service\'s schedule at a glance, or one service in detail'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "trigger" -d 'Run one task of a service now, whatever its schedule'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "run-due" -d 'Run every task that is due, for every active service (for cron)'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "daemon" -d 'Run due tasks in a loop, in the foreground, until SIGINT or SIGTERM'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "history" -d 'Show the task runs of one service or all'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "clusters" -d 'List error clusters'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "cluster" -d 'Inspect or triage one cluster'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "rule" -d 'Say how a service\'s errors group: rules that match records and group them by type, by message or into one named cluster, or ignore them'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "code" -d 'Ask the code index: the symbol at a file\'s line, or where a symbol is'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "notify" -d 'The notification outbox: list, retry, and test a service\'s channels'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "rca" -d 'Show root-cause reports'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "deploy" -d 'Record which version of a service was deployed when: blame reads the version that ran'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "serve" -d 'Serve the REST API, a dashboard and /metrics over HTTP, until SIGINT or SIGTERM'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "patterns" -d 'Mine log templates from files or standard input (offline)'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "demo" -d 'Run luffy on a built-in demo: example services, a sample log fetched and clustered, a repository indexed, root-cause reports and the notifications waiting in the outbox'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c luffy -n "__fish_luffy_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand service; and not __fish_seen_subcommand_from add set show list rm import export help" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and not __fish_seen_subcommand_from add set show list rm import export help" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and not __fish_seen_subcommand_from add set show list rm import export help" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand service; and not __fish_seen_subcommand_from add set show list rm import export help" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand service; and not __fish_seen_subcommand_from add set show list rm import export help" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand service; and not __fish_seen_subcommand_from add set show list rm import export help" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand service; and not __fish_seen_subcommand_from add set show list rm import export help" -f -a "add" -d 'Add a new service (refuses an existing id)'
complete -c luffy -n "__fish_luffy_using_subcommand service; and not __fish_seen_subcommand_from add set show list rm import export help" -f -a "set" -d 'Change a service\'s settings; creates the service when it does not exist'
complete -c luffy -n "__fish_luffy_using_subcommand service; and not __fish_seen_subcommand_from add set show list rm import export help" -f -a "show" -d 'Show one service\'s configuration'
complete -c luffy -n "__fish_luffy_using_subcommand service; and not __fish_seen_subcommand_from add set show list rm import export help" -f -a "list" -d 'List all services'
complete -c luffy -n "__fish_luffy_using_subcommand service; and not __fish_seen_subcommand_from add set show list rm import export help" -f -a "rm" -d 'Remove a service and everything luffy knows about it'
complete -c luffy -n "__fish_luffy_using_subcommand service; and not __fish_seen_subcommand_from add set show list rm import export help" -f -a "import" -d 'Create or update services from a JSON or TOML file (`-` reads standard input)'
complete -c luffy -n "__fish_luffy_using_subcommand service; and not __fish_seen_subcommand_from add set show list rm import export help" -f -a "export" -d 'Print services as TOML or JSON that `service import` reads back'
complete -c luffy -n "__fish_luffy_using_subcommand service; and not __fish_seen_subcommand_from add set show list rm import export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l name -d 'Display name (defaults to the id)' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l repo -d 'Git repository: https, http, ssh, git or file URL, user@host:path, an absolute path, or `none`' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l branch -d 'Branch to index [a new service: main]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l repo-path -d 'Local checkout of the repository, or `none` for the default under the data folder' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l git-token-env -d 'The environment variable that holds an https token for the repository, or `none`' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l ssh-key -d 'A private ssh key for the repository (absolute path), or `none` to use the ssh agent' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l path-map -d 'Map frame paths to repository paths: FROM=TO, e.g. /app/=src/ (repeat; `none` clears)' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l log-interval -d 'How often to fetch logs: minutes, or a duration such as 15m, 2h, 1h30m [a new service: 30 minutes]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l rca-interval -d 'How often to write root-cause reports: minutes, or a duration [a new service: 15 minutes]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l index-interval -d 'How often to index the repository: hours, or a duration such as 12h, 2d [a new service: 24 hours]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l rca -d 'Write root-cause reports [a new service: on]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l indexing -d 'Index the repository [a new service: on]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l notify -d 'Send notifications [a new service: on]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l active -d 'Run this service\'s tasks at all [a new service: on]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l levels -d 'The lowest level that becomes an event (TRACE, DEBUG, INFO, WARN, ERROR, FATAL) [a new service: ERROR]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l app-path -d 'A path prefix of application code in stack frames (repeat; `none` clears)' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l app-package -d 'A package or module prefix of application code (repeat; `none` clears)' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l suspect-window -d 'Commits that started running more than this many days before an error was first seen are not suspects, or `none` for `[rca] suspect_window_days` [default: 90]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l webhook -d 'Webhooks for notifications, comma-separated: each an http(s) URL or `env:VAR` (a variable holding it), optionally KIND= first (slack, googlechat, teams, generic; else inferred from the URL), or `github=API_URL/repos/OWNER/REPO` (an issue per new cluster); or `none`' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l email -d 'Email recipients for notifications, comma-separated, or `none`' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l notify-cooldown -d 'One notification per cluster and event within this long: minutes, or a duration [a new service: 1h]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l notify-threshold -d 'Tell of a new cluster only once it has N events within DURATION (log time), as in 5/10m [a new service: 1/1m, every new cluster at once]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l name -d 'Display name (defaults to the id)' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l repo -d 'Git repository: https, http, ssh, git or file URL, user@host:path, an absolute path, or `none`' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l branch -d 'Branch to index [a new service: main]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l repo-path -d 'Local checkout of the repository, or `none` for the default under the data folder' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l git-token-env -d 'The environment variable that holds an https token for the repository, or `none`' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l ssh-key -d 'A private ssh key for the repository (absolute path), or `none` to use the ssh agent' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l path-map -d 'Map frame paths to repository paths: FROM=TO, e.g. /app/=src/ (repeat; `none` clears)' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l log-interval -d 'How often to fetch logs: minutes, or a duration such as 15m, 2h, 1h30m [a new service: 30 minutes]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l rca-interval -d 'How often to write root-cause reports: minutes, or a duration [a new service: 15 minutes]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l index-interval -d 'How often to index the repository: hours, or a duration such as 12h, 2d [a new service: 24 hours]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l rca -d 'Write root-cause reports [a new service: on]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l indexing -d 'Index the repository [a new service: on]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l notify -d 'Send notifications [a new service: on]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l active -d 'Run this service\'s tasks at all [a new service: on]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l levels -d 'The lowest level that becomes an event (TRACE, DEBUG, INFO, WARN, ERROR, FATAL) [a new service: ERROR]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l app-path -d 'A path prefix of application code in stack frames (repeat; `none` clears)' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l app-package -d 'A package or module prefix of application code (repeat; `none` clears)' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l suspect-window -d 'Commits that started running more than this many days before an error was first seen are not suspects, or `none` for `[rca] suspect_window_days` [default: 90]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l webhook -d 'Webhooks for notifications, comma-separated: each an http(s) URL or `env:VAR` (a variable holding it), optionally KIND= first (slack, googlechat, teams, generic; else inferred from the URL), or `github=API_URL/repos/OWNER/REPO` (an issue per new cluster); or `none`' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l email -d 'Email recipients for notifications, comma-separated, or `none`' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l notify-cooldown -d 'One notification per cluster and event within this long: minutes, or a duration [a new service: 1h]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l notify-threshold -d 'Tell of a new cluster only once it has N events within DURATION (log time), as in 5/10m [a new service: 1/1m, every new cluster at once]' -r
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from show" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from show" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from show" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from list" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from list" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from list" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from rm" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from rm" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from rm" -s y -l yes -d 'Do not ask for confirmation'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from rm" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from rm" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from rm" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from import" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from import" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from import" -l dry-run -d 'Check the file and say what would change, without writing'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from import" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from import" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from export" -l format -d 'Output format' -r -f -a "toml\t''
json\t''"
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from export" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from export" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from export" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from export" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from export" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a new service (refuses an existing id)'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from help" -f -a "set" -d 'Change a service\'s settings; creates the service when it does not exist'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one service\'s configuration'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from help" -f -a "list" -d 'List all services'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove a service and everything luffy knows about it'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from help" -f -a "import" -d 'Create or update services from a JSON or TOML file (`-` reads standard input)'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from help" -f -a "export" -d 'Print services as TOML or JSON that `service import` reads back'
complete -c luffy -n "__fish_luffy_using_subcommand service; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand source; and not __fish_seen_subcommand_from add set list rm test help" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand source; and not __fish_seen_subcommand_from add set list rm test help" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand source; and not __fish_seen_subcommand_from add set list rm test help" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand source; and not __fish_seen_subcommand_from add set list rm test help" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand source; and not __fish_seen_subcommand_from add set list rm test help" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand source; and not __fish_seen_subcommand_from add set list rm test help" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand source; and not __fish_seen_subcommand_from add set list rm test help" -f -a "add" -d 'Add a log source to a service'
complete -c luffy -n "__fish_luffy_using_subcommand source; and not __fish_seen_subcommand_from add set list rm test help" -f -a "set" -d 'Change a log source\'s settings (only the flags given)'
complete -c luffy -n "__fish_luffy_using_subcommand source; and not __fish_seen_subcommand_from add set list rm test help" -f -a "list" -d 'List the log sources of one service or of all'
complete -c luffy -n "__fish_luffy_using_subcommand source; and not __fish_seen_subcommand_from add set list rm test help" -f -a "rm" -d 'Remove a log source and its cursor'
complete -c luffy -n "__fish_luffy_using_subcommand source; and not __fish_seen_subcommand_from add set list rm test help" -f -a "test" -d 'Check that a source can be read, and show what it holds'
complete -c luffy -n "__fish_luffy_using_subcommand source; and not __fish_seen_subcommand_from add set list rm test help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l kind -d 'file, elasticsearch, opensearch, loki or command' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l path -d 'file: a path or glob' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l format -d 'file, command: how lines are wrapped: cri (Kubernetes), docker (json-file), plain, or auto (told from each file\'s or run\'s first line) [default: auto]' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l timezone -d 'file, command: the IANA zone of times written without one (Europe/Berlin), or none for UTC [default: UTC]' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l version-field -d 'every kind: the field of a JSON or logfmt record that names the service\'s version (a commit or a tag), read before service.version, version, app.version, git.commit, commit, git_sha and revision; none to clear' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l url -d 'elasticsearch, opensearch, loki: the server\'s base URL' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l index -d 'elasticsearch, opensearch: index pattern, e.g. logs-web-*' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l query -d 'elasticsearch, opensearch: a JSON query clause added as a filter (default: level ERROR or above); loki: the LogQL selector' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l timestamp-field -d 'elasticsearch, opensearch: the timestamp field [default: @timestamp]' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l message-field -d 'elasticsearch, opensearch: the message field [default: message]' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l level-field -d 'elasticsearch, opensearch: the level field [default: level]' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l stack-field -d 'elasticsearch, opensearch: a field holding the stack trace' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l username -d 'elasticsearch, opensearch, loki: user for basic authentication' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l password-env -d 'elasticsearch, opensearch, loki: the environment variable holding the password' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l org-id -d 'loki: tenant (X-Scope-OrgID)' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l command -d 'command: the program and its arguments, run without a shell ({since} becomes the cursor time)' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l timeout -d 'command: kill the program after this long [default: 60s]' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l since -d 'remote kinds and command: where the first fetch starts, an RFC 3339 time or a duration ago [default: one fetch interval ago]' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l active -d 'Read this source at all' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l from-end -d 'file: start the first fetch at the end of the file instead of its start'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l path -d 'file: a path or glob' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l format -d 'file, command: how lines are wrapped: cri (Kubernetes), docker (json-file), plain, or auto (told from each file\'s or run\'s first line) [default: auto]' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l timezone -d 'file, command: the IANA zone of times written without one (Europe/Berlin), or none for UTC [default: UTC]' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l version-field -d 'every kind: the field of a JSON or logfmt record that names the service\'s version (a commit or a tag), read before service.version, version, app.version, git.commit, commit, git_sha and revision; none to clear' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l url -d 'elasticsearch, opensearch, loki: the server\'s base URL' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l index -d 'elasticsearch, opensearch: index pattern, e.g. logs-web-*' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l query -d 'elasticsearch, opensearch: a JSON query clause added as a filter (default: level ERROR or above); loki: the LogQL selector' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l timestamp-field -d 'elasticsearch, opensearch: the timestamp field [default: @timestamp]' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l message-field -d 'elasticsearch, opensearch: the message field [default: message]' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l level-field -d 'elasticsearch, opensearch: the level field [default: level]' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l stack-field -d 'elasticsearch, opensearch: a field holding the stack trace' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l username -d 'elasticsearch, opensearch, loki: user for basic authentication' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l password-env -d 'elasticsearch, opensearch, loki: the environment variable holding the password' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l org-id -d 'loki: tenant (X-Scope-OrgID)' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l command -d 'command: the program and its arguments, run without a shell ({since} becomes the cursor time)' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l timeout -d 'command: kill the program after this long [default: 60s]' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l since -d 'remote kinds and command: where the first fetch starts, an RFC 3339 time or a duration ago [default: one fetch interval ago]' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l active -d 'Read this source at all' -r
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l from-end -d 'file: start the first fetch at the end of the file instead of its start'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from list" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from list" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from list" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from rm" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from rm" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from rm" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from rm" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from rm" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from test" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from test" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from test" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from test" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from test" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a log source to a service'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from help" -f -a "set" -d 'Change a log source\'s settings (only the flags given)'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the log sources of one service or of all'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove a log source and its cursor'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from help" -f -a "test" -d 'Check that a source can be read, and show what it holds'
complete -c luffy -n "__fish_luffy_using_subcommand source; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand status" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand status" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand status" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand status" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand status" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand status" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand trigger" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand trigger" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand trigger" -l full -d 'index: rebuild the whole index instead of reading only what changed'
complete -c luffy -n "__fish_luffy_using_subcommand trigger" -l all -d 'rca: write every open cluster\'s report again, whatever changed since the last one'
complete -c luffy -n "__fish_luffy_using_subcommand trigger" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand trigger" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand trigger" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand trigger" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c luffy -n "__fish_luffy_using_subcommand run-due" -l service -d 'Only this service (repeat for several)' -r
complete -c luffy -n "__fish_luffy_using_subcommand run-due" -l jobs -d 'Services run at once [default: the number of cores]' -r
complete -c luffy -n "__fish_luffy_using_subcommand run-due" -l shard -d 'Only the services whose id hashes to shard K of N (1 <= K <= N), to split a fleet between hosts' -r
complete -c luffy -n "__fish_luffy_using_subcommand run-due" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand run-due" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand run-due" -l dry-run -d 'Print what would run and why, touching nothing'
complete -c luffy -n "__fish_luffy_using_subcommand run-due" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand run-due" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand run-due" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand run-due" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand daemon" -l tick -d 'The longest wait between two looks at what is due (30s, 5m; a bare number is seconds) [default: config\'s daemon.tick_seconds, 60]' -r
complete -c luffy -n "__fish_luffy_using_subcommand daemon" -l jobs -d 'Services run at once [default: the number of cores]' -r
complete -c luffy -n "__fish_luffy_using_subcommand daemon" -l shard -d 'Only the services whose id hashes to shard K of N' -r
complete -c luffy -n "__fish_luffy_using_subcommand daemon" -l serve -d 'Serve the API, dashboard and /metrics on ADDR (127.0.0.1:8000) in the same process, as `luffy serve --listen ADDR` would' -r
complete -c luffy -n "__fish_luffy_using_subcommand daemon" -l steps -d 'Stop after this many steps (for tests and one-off runs) [default: until a signal]' -r
complete -c luffy -n "__fish_luffy_using_subcommand daemon" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand daemon" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand daemon" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand daemon" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand daemon" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand daemon" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand history" -l task -d 'Only runs of this task' -r -f -a "fetch\t'Fetch new log records and update clusters'
rca\t'Write root-cause reports of new, regressed and grown clusters'
index\t'Sync the repository and index its symbols'
notify\t'Deliver pending notifications'"
complete -c luffy -n "__fish_luffy_using_subcommand history" -l status -d 'Only runs with this status: running, ok, failed, skipped' -r
complete -c luffy -n "__fish_luffy_using_subcommand history" -l limit -d 'How many runs to show, newest first' -r
complete -c luffy -n "__fish_luffy_using_subcommand history" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand history" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand history" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand history" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand history" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c luffy -n "__fish_luffy_using_subcommand clusters" -l status -d 'Only clusters with this status' -r -f -a "open\t''
resolved\t''
ignored\t''"
complete -c luffy -n "__fish_luffy_using_subcommand clusters" -l owner -d 'Only clusters whose latest root-cause report names this owner (CODEOWNERS: `@team`, `@org/team`, a user or an email)' -r
complete -c luffy -n "__fish_luffy_using_subcommand clusters" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand clusters" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand clusters" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand clusters" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand clusters" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand clusters" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and not __fish_seen_subcommand_from show resolve ignore reopen merge unmerge help" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and not __fish_seen_subcommand_from show resolve ignore reopen merge unmerge help" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and not __fish_seen_subcommand_from show resolve ignore reopen merge unmerge help" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and not __fish_seen_subcommand_from show resolve ignore reopen merge unmerge help" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and not __fish_seen_subcommand_from show resolve ignore reopen merge unmerge help" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and not __fish_seen_subcommand_from show resolve ignore reopen merge unmerge help" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and not __fish_seen_subcommand_from show resolve ignore reopen merge unmerge help" -f -a "show" -d 'Show a cluster: its exception chain, frames, samples, counts over time and why it groups'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and not __fish_seen_subcommand_from show resolve ignore reopen merge unmerge help" -f -a "resolve" -d 'Mark a cluster resolved (it reopens, flagged regressed, when it occurs again)'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and not __fish_seen_subcommand_from show resolve ignore reopen merge unmerge help" -f -a "ignore" -d 'Ignore a cluster, for good or until a condition reopens it (an `escalating` notification tells of it)'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and not __fish_seen_subcommand_from show resolve ignore reopen merge unmerge help" -f -a "reopen" -d 'Reopen a cluster'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and not __fish_seen_subcommand_from show resolve ignore reopen merge unmerge help" -f -a "merge" -d 'Merge clusters into TARGET: their events, counts and samples move into it, and their fingerprints group into it from now on; they leave every list'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and not __fish_seen_subcommand_from show resolve ignore reopen merge unmerge help" -f -a "unmerge" -d 'Give a fingerprint merged into TARGET a cluster of its own again, with its events'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and not __fish_seen_subcommand_from show resolve ignore reopen merge unmerge help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from show" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from show" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from show" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from resolve" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from resolve" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from resolve" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from resolve" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from resolve" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from resolve" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from ignore" -l for -d 'Reopen it once this long has passed (checked at each fetch of its service and at each `run-due`), e.g. 2h, 1d' -r
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from ignore" -l until-count -d 'Reopen it after N more events' -r
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from ignore" -l until-rate -d 'Reopen it when N events read after now fall within DURATION of log time, e.g. 10/5m' -r
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from ignore" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from ignore" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from ignore" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from ignore" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from ignore" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from ignore" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from reopen" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from reopen" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from reopen" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from reopen" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from reopen" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from reopen" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from merge" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from merge" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from merge" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from merge" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from merge" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from merge" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from unmerge" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from unmerge" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from unmerge" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from unmerge" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from unmerge" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from unmerge" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a cluster: its exception chain, frames, samples, counts over time and why it groups'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "resolve" -d 'Mark a cluster resolved (it reopens, flagged regressed, when it occurs again)'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "ignore" -d 'Ignore a cluster, for good or until a condition reopens it (an `escalating` notification tells of it)'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "reopen" -d 'Reopen a cluster'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "merge" -d 'Merge clusters into TARGET: their events, counts and samples move into it, and their fingerprints group into it from now on; they leave every list'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "unmerge" -d 'Give a fingerprint merged into TARGET a cluster of its own again, with its events'
complete -c luffy -n "__fish_luffy_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and not __fish_seen_subcommand_from add list rm help" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand rule; and not __fish_seen_subcommand_from add list rm help" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand rule; and not __fish_seen_subcommand_from add list rm help" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and not __fish_seen_subcommand_from add list rm help" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and not __fish_seen_subcommand_from add list rm help" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and not __fish_seen_subcommand_from add list rm help" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and not __fish_seen_subcommand_from add list rm help" -f -a "add" -d 'Add a grouping rule at the end of the service\'s list: records fetched from now on that match all its matchers are grouped as it says (the first rule that matches decides)'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and not __fish_seen_subcommand_from add list rm help" -f -a "list" -d 'List the service\'s grouping rules, numbered in the order they are tried'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and not __fish_seen_subcommand_from add list rm help" -f -a "rm" -d 'Remove rule N (its number in `rule list`); the rules after it move up one'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and not __fish_seen_subcommand_from add list rm help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from add" -l group-by -d 'Group matching records by exception type alone, by masked message alone, or by type + in-app frames (as without rules)' -r -f -a "type\t''
message\t''
frames\t''"
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from add" -l fingerprint -d 'Send every matching record to one cluster of this name' -r
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from add" -l title -d 'The title of a --fingerprint rule\'s cluster [default: NAME]' -r
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from add" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from add" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from add" -l ignore -d 'Drop matching records: counted as ignored by the fetch, never clustered'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from add" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from list" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from list" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from list" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from rm" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from rm" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from rm" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from rm" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from rm" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a grouping rule at the end of the service\'s list: records fetched from now on that match all its matchers are grouped as it says (the first rule that matches decides)'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the service\'s grouping rules, numbered in the order they are tried'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove rule N (its number in `rule list`); the rules after it move up one'
complete -c luffy -n "__fish_luffy_using_subcommand rule; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand code; and not __fish_seen_subcommand_from find help" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand code; and not __fish_seen_subcommand_from find help" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand code; and not __fish_seen_subcommand_from find help" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand code; and not __fish_seen_subcommand_from find help" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand code; and not __fish_seen_subcommand_from find help" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand code; and not __fish_seen_subcommand_from find help" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand code; and not __fish_seen_subcommand_from find help" -f -a "find" -d 'The innermost symbol at PATH:LINE (frame paths resolve by path maps, then by the longest matching suffix), the symbols of PATH, or every symbol named SYMBOL (or Class.method)'
complete -c luffy -n "__fish_luffy_using_subcommand code; and not __fish_seen_subcommand_from find help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand code; and __fish_seen_subcommand_from find" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand code; and __fish_seen_subcommand_from find" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand code; and __fish_seen_subcommand_from find" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand code; and __fish_seen_subcommand_from find" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand code; and __fish_seen_subcommand_from find" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand code; and __fish_seen_subcommand_from find" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand code; and __fish_seen_subcommand_from help" -f -a "find" -d 'The innermost symbol at PATH:LINE (frame paths resolve by path maps, then by the longest matching suffix), the symbols of PATH, or every symbol named SYMBOL (or Class.method)'
complete -c luffy -n "__fish_luffy_using_subcommand code; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and not __fish_seen_subcommand_from list retry test help" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand notify; and not __fish_seen_subcommand_from list retry test help" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand notify; and not __fish_seen_subcommand_from list retry test help" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and not __fish_seen_subcommand_from list retry test help" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and not __fish_seen_subcommand_from list retry test help" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and not __fish_seen_subcommand_from list retry test help" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and not __fish_seen_subcommand_from list retry test help" -f -a "list" -d 'List notifications in the outbox, newest first'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and not __fish_seen_subcommand_from list retry test help" -f -a "retry" -d 'Make a notification due now again (also a dead one), and deliver its service\'s outbox'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and not __fish_seen_subcommand_from list retry test help" -f -a "test" -d 'Send a test message to every channel of a service and print each one\'s result'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and not __fish_seen_subcommand_from list retry test help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from list" -l status -d 'Only notifications with this status' -r -f -a "pending\t''
retrying\t''
delivered\t''
dead\t''"
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from list" -l limit -d 'How many to show' -r
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from list" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from list" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from list" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from retry" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from retry" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from retry" -l all -d 'Every pending and retrying notification (of SERVICE, or of every service) is made due now and delivered now'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from retry" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from retry" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from test" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from test" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from test" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from test" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from test" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from help" -f -a "list" -d 'List notifications in the outbox, newest first'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Make a notification due now again (also a dead one), and deliver its service\'s outbox'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from help" -f -a "test" -d 'Send a test message to every channel of a service and print each one\'s result'
complete -c luffy -n "__fish_luffy_using_subcommand notify; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand rca; and not __fish_seen_subcommand_from show help" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand rca; and not __fish_seen_subcommand_from show help" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand rca; and not __fish_seen_subcommand_from show help" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand rca; and not __fish_seen_subcommand_from show help" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand rca; and not __fish_seen_subcommand_from show help" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand rca; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand rca; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'A cluster\'s latest root-cause report (Markdown; --json for the report\'s JSON), or with --all every report it has had'
complete -c luffy -n "__fish_luffy_using_subcommand rca; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand rca; and __fish_seen_subcommand_from show" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand rca; and __fish_seen_subcommand_from show" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand rca; and __fish_seen_subcommand_from show" -l markdown -d 'Print the report as Markdown (the default, except with --all: a table of generations)'
complete -c luffy -n "__fish_luffy_using_subcommand rca; and __fish_seen_subcommand_from show" -l all -d 'Every report of the cluster, newest first'
complete -c luffy -n "__fish_luffy_using_subcommand rca; and __fish_seen_subcommand_from show" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand rca; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand rca; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand rca; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand rca; and __fish_seen_subcommand_from help" -f -a "show" -d 'A cluster\'s latest root-cause report (Markdown; --json for the report\'s JSON), or with --all every report it has had'
complete -c luffy -n "__fish_luffy_using_subcommand rca; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and not __fish_seen_subcommand_from add list rm help" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and not __fish_seen_subcommand_from add list rm help" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and not __fish_seen_subcommand_from add list rm help" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and not __fish_seen_subcommand_from add list rm help" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and not __fish_seen_subcommand_from add list rm help" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and not __fish_seen_subcommand_from add list rm help" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and not __fish_seen_subcommand_from add list rm help" -f -a "add" -d 'Record a deploy: REV (a commit id of 7+ hex digits, a tag or a branch) of the service\'s repository, resolved to its commit now'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and not __fish_seen_subcommand_from add list rm help" -f -a "list" -d 'List recorded deploys (also those found in the logs), newest first'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and not __fish_seen_subcommand_from add list rm help" -f -a "rm" -d 'Remove a recorded deploy'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and not __fish_seen_subcommand_from add list rm help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from add" -l at -d 'When it was deployed: an RFC 3339 time or a duration ago (40m, 2h) [default: now]' -r
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from add" -l env -d 'The environment it was deployed to (production, staging, ...)' -r
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from add" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from add" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from add" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from list" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from list" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from list" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from rm" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from rm" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from rm" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from rm" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from rm" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "add" -d 'Record a deploy: REV (a commit id of 7+ hex digits, a tag or a branch) of the service\'s repository, resolved to its commit now'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "list" -d 'List recorded deploys (also those found in the logs), newest first'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove a recorded deploy'
complete -c luffy -n "__fish_luffy_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand serve" -l listen -d 'The address and port to listen on; beyond loopback it needs [serve] token_env' -r
complete -c luffy -n "__fish_luffy_using_subcommand serve" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand serve" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand serve" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand serve" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand serve" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand serve" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand patterns" -l top -d 'Show at most this many templates (0: all)' -r
complete -c luffy -n "__fish_luffy_using_subcommand patterns" -l min-count -d 'Hide templates seen fewer than N times' -r
complete -c luffy -n "__fish_luffy_using_subcommand patterns" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand patterns" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand patterns" -l assign -d 'Print one row per input line: LINE_NUMBER<TAB>PATTERN_ID<TAB>TEMPLATE (lines numbered from 1, continuously across files)'
complete -c luffy -n "__fish_luffy_using_subcommand patterns" -l message-only -d 'Treat each line as the message as it is (no header detection, no JSON or logfmt field)'
complete -c luffy -n "__fish_luffy_using_subcommand patterns" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand patterns" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand patterns" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand patterns" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand demo" -l dir -d 'Folder for the demo database (default: a new temporary folder, kept afterwards)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand demo" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand demo" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand demo" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand demo" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand demo" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand demo" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand completions" -l db -d 'The SQLite database file (created on first use)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand completions" -l config -d 'The configuration file (optional; every key has a default)' -r -F
complete -c luffy -n "__fish_luffy_using_subcommand completions" -l json -d 'Print data as JSON instead of tables'
complete -c luffy -n "__fish_luffy_using_subcommand completions" -s v -l verbose -d 'Say more about what luffy does (repeat for more)'
complete -c luffy -n "__fish_luffy_using_subcommand completions" -s q -l quiet -d 'Print only errors'
complete -c luffy -n "__fish_luffy_using_subcommand completions" -s h -l help -d 'Print help'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "service" -d 'Configure the services luffy watches'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "source" -d 'Configure where a service\'s logs come from'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "status" -d 'Show every service\'s schedule at a glance, or one service in detail'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "trigger" -d 'Run one task of a service now, whatever its schedule'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "run-due" -d 'Run every task that is due, for every active service (for cron)'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "daemon" -d 'Run due tasks in a loop, in the foreground, until SIGINT or SIGTERM'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "history" -d 'Show the task runs of one service or all'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "clusters" -d 'List error clusters'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "cluster" -d 'Inspect or triage one cluster'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "rule" -d 'Say how a service\'s errors group: rules that match records and group them by type, by message or into one named cluster, or ignore them'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "code" -d 'Ask the code index: the symbol at a file\'s line, or where a symbol is'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "notify" -d 'The notification outbox: list, retry, and test a service\'s channels'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "rca" -d 'Show root-cause reports'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "deploy" -d 'Record which version of a service was deployed when: blame reads the version that ran'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "serve" -d 'Serve the REST API, a dashboard and /metrics over HTTP, until SIGINT or SIGTERM'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "patterns" -d 'Mine log templates from files or standard input (offline)'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "demo" -d 'Run luffy on a built-in demo: example services, a sample log fetched and clustered, a repository indexed, root-cause reports and the notifications waiting in the outbox'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c luffy -n "__fish_luffy_using_subcommand help; and not __fish_seen_subcommand_from service source status trigger run-due daemon history clusters cluster rule code notify rca deploy serve patterns demo completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from service" -f -a "add" -d 'Add a new service (refuses an existing id)'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from service" -f -a "set" -d 'Change a service\'s settings; creates the service when it does not exist'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from service" -f -a "show" -d 'Show one service\'s configuration'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from service" -f -a "list" -d 'List all services'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from service" -f -a "rm" -d 'Remove a service and everything luffy knows about it'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from service" -f -a "import" -d 'Create or update services from a JSON or TOML file (`-` reads standard input)'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from service" -f -a "export" -d 'Print services as TOML or JSON that `service import` reads back'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from source" -f -a "add" -d 'Add a log source to a service'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from source" -f -a "set" -d 'Change a log source\'s settings (only the flags given)'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from source" -f -a "list" -d 'List the log sources of one service or of all'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from source" -f -a "rm" -d 'Remove a log source and its cursor'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from source" -f -a "test" -d 'Check that a source can be read, and show what it holds'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "show" -d 'Show a cluster: its exception chain, frames, samples, counts over time and why it groups'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "resolve" -d 'Mark a cluster resolved (it reopens, flagged regressed, when it occurs again)'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "ignore" -d 'Ignore a cluster, for good or until a condition reopens it (an `escalating` notification tells of it)'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "reopen" -d 'Reopen a cluster'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "merge" -d 'Merge clusters into TARGET: their events, counts and samples move into it, and their fingerprints group into it from now on; they leave every list'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "unmerge" -d 'Give a fingerprint merged into TARGET a cluster of its own again, with its events'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from rule" -f -a "add" -d 'Add a grouping rule at the end of the service\'s list: records fetched from now on that match all its matchers are grouped as it says (the first rule that matches decides)'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from rule" -f -a "list" -d 'List the service\'s grouping rules, numbered in the order they are tried'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from rule" -f -a "rm" -d 'Remove rule N (its number in `rule list`); the rules after it move up one'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from code" -f -a "find" -d 'The innermost symbol at PATH:LINE (frame paths resolve by path maps, then by the longest matching suffix), the symbols of PATH, or every symbol named SYMBOL (or Class.method)'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from notify" -f -a "list" -d 'List notifications in the outbox, newest first'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from notify" -f -a "retry" -d 'Make a notification due now again (also a dead one), and deliver its service\'s outbox'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from notify" -f -a "test" -d 'Send a test message to every channel of a service and print each one\'s result'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from rca" -f -a "show" -d 'A cluster\'s latest root-cause report (Markdown; --json for the report\'s JSON), or with --all every report it has had'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "add" -d 'Record a deploy: REV (a commit id of 7+ hex digits, a tag or a branch) of the service\'s repository, resolved to its commit now'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "list" -d 'List recorded deploys (also those found in the logs), newest first'
complete -c luffy -n "__fish_luffy_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "rm" -d 'Remove a recorded deploy'
