
use builtin;
use str;

set edit:completion:arg-completer[ssoenv] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'ssoenv'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'ssoenv'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand use 'Print shell code that exports a profile''s credentials (log in only if needed)'
            cand exec 'Run one command with a profile''s credentials in its environment'
            cand unset 'Print shell code that removes every variable `use` sets'
            cand login 'Log in to IAM Identity Center and cache the token (shared with the AWS CLI)'
            cand logout 'Log out: end the session and delete its cached token and role credentials'
            cand status 'Show the cached token and credentials of a profile'
            cand list 'List the profiles in the AWS config and credentials files'
            cand credential-process 'Print credentials as JSON for `credential_process = ssoenv credential-process NAME`'
            cand console 'Open the AWS console in the browser as a profile (sign in only if needed)'
            cand configure 'Create an sso-session and a profile, interactively or all by flags'
            cand populate 'Write a profile for every account and role you can reach'
            cand init 'Print the shell integration (awsuse, prompt, completion) for SHELL'
            cand completions 'Print a completion script for SHELL'
        }
        &'ssoenv;use'= {
            cand -s 'Shell to print for [default: $SSOENV_SHELL, then the shell running ssoenv, then $SHELL, then bash]'
            cand --shell 'Shell to print for [default: $SSOENV_SHELL, then the shell running ssoenv, then $SHELL, then bash]'
            cand --no-browser 'Do not open a browser: print the URL and a code to approve from any device'
            cand --use-device-code 'Use the device code flow instead of the browser redirect (PKCE)'
            cand --force-refresh 'Fetch new role credentials even when cached ones are still good'
            cand --no-login 'Never sign in: reuse or refresh only, and fail (status 1) when a sign-in is needed (the shell integration''s quiet refresh before a prompt)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssoenv;exec'= {
            cand --serve 'Serve credentials to COMMAND from an endpoint on 127.0.0.1 that keeps them fresh, instead of putting keys in its environment (for commands that outlast their credentials)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssoenv;unset'= {
            cand -s 'Shell to print for [default: $SSOENV_SHELL, then the shell running ssoenv, then $SHELL, then bash]'
            cand --shell 'Shell to print for [default: $SSOENV_SHELL, then the shell running ssoenv, then $SHELL, then bash]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssoenv;login'= {
            cand --sso-session 'Log in to this [sso-session NAME] directly'
            cand --no-browser 'Do not open a browser: print the URL and a code to approve from any device'
            cand --use-device-code 'Use the device code flow instead of the browser redirect (PKCE)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssoenv;logout'= {
            cand --sso-session 'End this [sso-session NAME]'
            cand --all 'End every cached session and delete every cached SSO role credential'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssoenv;status'= {
            cand --json 'Print JSON for scripts'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssoenv;list'= {
            cand --json 'Print a JSON array for scripts'
            cand --names 'Print only the profile names, one a line (for completion)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssoenv;credential-process'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssoenv;console'= {
            cand --service 'Open this service''s page (s3, ec2, cloudwatch, lambda, iam, ddb, ...) instead of the home'
            cand --destination 'Open this console page (an https URL on the partition''s console)'
            cand --region 'Region of the console [default: the profile''s region, else us-east-1]'
            cand --print 'Print the sign-in link on stdout instead of opening a browser'
            cand --no-browser 'Do not open a browser: print the URL and a code to approve from any device'
            cand --use-device-code 'Use the device code flow instead of the browser redirect (PKCE)'
            cand --force-refresh 'Fetch new role credentials even when cached ones are still good'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssoenv;configure'= {
            cand --sso-session 'Use (or create) this [sso-session NAME]'
            cand --start-url 'The AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start'
            cand --sso-region 'The region of the IAM Identity Center instance'
            cand --account-id 'Account ID (12 digits)'
            cand --role-name 'Role (permission set) name'
            cand --region 'Default region for the profile'
            cand --output 'Default output format for the profile'
            cand --profile 'Name of the profile to write [default: {account name}-{role name}]'
            cand --force 'Replace the profile when one of that name exists'
            cand --no-browser 'Do not open a browser: print the URL and a code to approve from any device'
            cand --use-device-code 'Use the device code flow instead of the browser redirect (PKCE)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssoenv;populate'= {
            cand --sso-session 'The [sso-session NAME] whose accounts and roles to write [default: the only one]'
            cand --template 'Profile name template: {account_name}, {account_id}, {role_name}'
            cand --region 'Default region for every written profile'
            cand --max-rate 'At most this many requests a second to the access portal (across all threads)'
            cand --dry-run 'Print what would change, write nothing'
            cand --prune 'Remove profiles written earlier for roles that no longer exist'
            cand --no-browser 'Do not open a browser: print the URL and a code to approve from any device'
            cand --use-device-code 'Use the device code flow instead of the browser redirect (PKCE)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssoenv;init'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ssoenv;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
