# fish completion for tenantctl; generated from the command tree by `tenantctl completion fish`.

function __tenantctl_is_node
    switch "$argv[1]"
        case ''
            return 0
        case 'apikey'
            return 0
        case 'apikey create'
            return 0
        case 'apikey list'
            return 0
        case 'apikey revoke'
            return 0
        case 'apikey rotate'
            return 0
        case 'completion'
            return 0
        case 'doctor'
            return 0
        case 'init'
            return 0
        case 'keys'
            return 0
        case 'keys destroy'
            return 0
        case 'keys jwks'
            return 0
        case 'keys jwt'
            return 0
        case 'keys jwt activate'
            return 0
        case 'keys jwt list'
            return 0
        case 'keys jwt retire'
            return 0
        case 'keys jwt rotate'
            return 0
        case 'keys reencrypt'
            return 0
        case 'keys retire'
            return 0
        case 'keys rewrap'
            return 0
        case 'keys rotate'
            return 0
        case 'keys status'
            return 0
        case 'keys verify'
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
    end
    return 1
end

function __tenantctl_children
    switch "$argv[1]"
        case ''
            string split ' ' -- 'apikey completion doctor init keys sandbox'
        case 'apikey'
            string split ' ' -- 'create list revoke rotate'
        case 'keys'
            string split ' ' -- 'destroy jwks jwt reencrypt retire rewrap rotate status verify'
        case 'keys jwt'
            string split ' ' -- 'activate list retire rotate'
        case 'sandbox'
            string split ' ' -- 'down env psql status up'
    end
end

function __tenantctl_options
    switch "$argv[1]"
        case ''
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'apikey'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'apikey create'
            string split ' ' -- '--tenant --name --scope --expires --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'apikey list'
            string split ' ' -- '--tenant --all --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'apikey revoke'
            string split ' ' -- '--tenant --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'apikey rotate'
            string split ' ' -- '--tenant --overlap --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'completion'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'doctor'
            string split ' ' -- '--check --metrics-file --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'init'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys destroy'
            string split ' ' -- '--tenant --version --force --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys jwks'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys jwt'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys jwt activate'
            string split ' ' -- '--force --retire-previous --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys jwt list'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys jwt retire'
            string split ' ' -- '--database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys jwt rotate'
            string split ' ' -- '--alg --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys reencrypt'
            string split ' ' -- '--tenant --all --batch-size --max-rate --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys retire'
            string split ' ' -- '--tenant --version --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys rewrap'
            string split ' ' -- '--new-master-key --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys rotate'
            string split ' ' -- '--tenant --all --reencrypt --batch-size --max-rate --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys status'
            string split ' ' -- '--tenant --no-usage --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
        case 'keys verify'
            string split ' ' -- '--tenant --sample --all --database -d --config -c --context --output -o --actor --yes -y --dry-run --quiet -q --verbose -v --log-format --no-color --lock-timeout --progress --help --version'
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
        case 'keys status|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'keys rotate|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'keys rotate|--batch-size'
            return 0
        case 'keys rotate|--max-rate'
            return 0
        case 'keys reencrypt|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'keys reencrypt|--batch-size'
            return 0
        case 'keys reencrypt|--max-rate'
            return 0
        case 'keys retire|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'keys retire|--version'
            return 0
        case 'keys destroy|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'keys destroy|--version'
            return 0
        case 'keys rewrap|--new-master-key'
            return 0
        case 'keys verify|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'keys verify|--sample'
            return 0
        case 'keys jwt rotate|--alg'
            string split ' ' -- 'RS256 ES256'
            return 0
        case 'apikey create|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'apikey create|--name'
            return 0
        case 'apikey create|--scope'
            return 0
        case 'apikey create|--expires'
            return 0
        case 'apikey list|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'apikey revoke|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'apikey rotate|--tenant'
            tenantctl __complete tenants 2>/dev/null
            return 0
        case 'apikey rotate|--overlap'
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
