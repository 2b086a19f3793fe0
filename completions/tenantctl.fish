# fish completion for tenantctl; generated from the command tree by `tenantctl completion fish`.

function __tenantctl_is_node
    switch "$argv[1]"
        case ''
            return 0
        case 'completion'
            return 0
        case 'doctor'
            return 0
        case 'init'
            return 0
        case 'sandbox'
            return 0
        case 'sandbox down'
            return 0
        case 'sandbox env'
            return 0
        case 'sandbox psql'
            return 0
        case 'sandbox status'
            return 0
        case 'sandbox up'
            return 0
        case 'tenant'
            return 0
        case 'tenant apply'
            return 0
        case 'tenant create'
            return 0
        case 'tenant delete'
            return 0
        case 'tenant list'
            return 0
        case 'tenant purge'
            return 0
        case 'tenant restore'
            return 0
        case 'tenant resume'
            return 0
        case 'tenant show'
            return 0
        case 'tenant suspend'
            return 0
        case 'tenant update'
            return 0
    end
    return 1
end

function __tenantctl_children
    switch "$argv[1]"
        case ''
            string split ' ' -- 'completion doctor init sandbox tenant'
        case 'sandbox'
            string split ' ' -- 'down env psql status up'
        case 'tenant'
            string split ' ' -- 'apply create delete list purge restore resume show suspend update'
    end
end

function __tenantctl_options
    switch "$argv[1]"
        case ''
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'completion'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'doctor'
            string split ' ' -- '--check --metrics-file --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'init'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox down'
            string split ' ' -- '--dir --keep --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox env'
            string split ' ' -- '--dir --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox psql'
            string split ' ' -- '--dir --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox status'
            string split ' ' -- '--dir --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'sandbox up'
            string split ' ' -- '--dir --port --no-init --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant apply'
            string split ' ' -- '--file -f --prune --grace --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant create'
            string split ' ' -- '--name --plan --region --id --admin-email --isolation --if-not-exists --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant delete'
            string split ' ' -- '--grace --reason --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant list'
            string split ' ' -- '--status --plan --region --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant purge'
            string split ' ' -- '--due --force --batch-size --max-duration --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant restore'
            string split ' ' -- '--force --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant resume'
            string split ' ' -- '--reason --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant show'
            string split ' ' -- '--events --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant suspend'
            string split ' ' -- '--reason --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'tenant update'
            string split ' ' -- '--name --plan --region --admin-email --set --unset --flag --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
    end
end

function __tenantctl_values
    switch "$argv[1]|$argv[2]"
        case '*|--database'
            return 0
        case '*|-d'
            return 0
        case '*|--config'
            return 2
        case '*|-c'
            return 2
        case '*|--context'
            return 0
        case '*|--output'
            string split ' ' -- 'table json ndjson yaml csv'
            return 0
        case '*|-o'
            string split ' ' -- 'table json ndjson yaml csv'
            return 0
        case '*|--actor'
            return 0
        case '*|--log-format'
            string split ' ' -- 'text json'
            return 0
        case '*|--lock-timeout'
            return 0
        case '*|--progress'
            string split ' ' -- 'auto always never'
            return 0
        case 'sandbox up|--dir'
            return 3
        case 'sandbox up|--port'
            return 0
        case 'sandbox down|--dir'
            return 3
        case 'sandbox status|--dir'
            return 3
        case 'sandbox env|--dir'
            return 3
        case 'sandbox psql|--dir'
            return 3
        case 'doctor|--check'
            return 0
        case 'doctor|--metrics-file'
            return 2
        case 'tenant create|--name'
            return 0
        case 'tenant create|--plan'
            return 0
        case 'tenant create|--region'
            return 0
        case 'tenant create|--id'
            return 0
        case 'tenant create|--admin-email'
            return 0
        case 'tenant create|--isolation'
            string split ' ' -- 'shared schema'
            return 0
        case 'tenant list|--status'
            string split ' ' -- 'active suspended pending_deletion purged all'
            return 0
        case 'tenant list|--plan'
            return 0
        case 'tenant list|--region'
            return 0
        case 'tenant show|--events'
            return 0
        case 'tenant update|--name'
            return 0
        case 'tenant update|--plan'
            return 0
        case 'tenant update|--region'
            return 0
        case 'tenant update|--admin-email'
            return 0
        case 'tenant update|--set'
            return 0
        case 'tenant update|--unset'
            return 0
        case 'tenant update|--flag'
            return 0
        case 'tenant suspend|--reason'
            return 0
        case 'tenant resume|--reason'
            return 0
        case 'tenant delete|--grace'
            return 0
        case 'tenant delete|--reason'
            return 0
        case 'tenant purge|--batch-size'
            return 0
        case 'tenant purge|--max-duration'
            return 0
        case 'tenant apply|--file'
            return 2
        case 'tenant apply|-f'
            return 2
        case 'tenant apply|--grace'
            return 0
    end
    return 1
end

function __tenantctl_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmdpath ''
    for w in $tokens[2..-1]
        string match -q -- '-*' $w; and continue
        set -l candidate (string trim -- "$cmdpath $w")
        if __tenantctl_is_node "$candidate"
            set cmdpath $candidate
        end
    end
    set -l prev $tokens[-1]
    if string match -q -- '-*' $prev
        set -l values (__tenantctl_values "$cmdpath" "$prev")
        switch $status
            case 0
                printf '%s\n' $values
                return
            case 2 3
                __fish_complete_path $cur
                return
        end
    end
    if string match -q -- '-*' $cur
        __tenantctl_options "$cmdpath"
    else
        __tenantctl_children "$cmdpath"
    end
end

complete -c tenantctl -f -a '(__tenantctl_complete)'
