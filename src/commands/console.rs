use super::{Outcome, check_region, policy};
use crate::cache::CacheDirs;
use crate::cli::ConsoleArgs;
use crate::console::{self, Page};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::ui::Ui;

pub fn run(args: &ConsoleArgs, ui: &dyn Ui, settings: &Settings) -> Result<Outcome> {
    // The profile active in this shell comes first: `awsuse dev` then `ssoenv console`.
    let name = settings.profile.active(args.profile.as_deref());
    let word = crate::shell::word(&name);
    // Everything the command line can get wrong is refused before a sign-in or a request.
    if let Some(region) = &args.region {
        check_region("--region", region)?;
    }
    let page = match (&args.service, &args.destination) {
        (Some(service), _) => Page::Service(console::service_name(service)?),
        (None, Some(url)) => {
            console::check_destination(url)?;
            Page::Url(url.clone())
        }
        (None, None) => Page::Home,
    };
    let browser = match (&settings.browser, args.print) {
        (_, true) => None,
        (_, false) if args.login.no_browser => {
            return Err(Error::usage(
                "--no-browser",
                "the console opens in a browser; to get its sign-in link instead, add --print",
            ));
        }
        (Some(browser), false) => Some(browser),
        (None, false) => {
            return Err(Error::new(
                "console",
                "no browser can be opened here (SSH or no display)",
            )
            .with_hint(format!(
                "print the sign-in link and open it in a browser where you are: \
                 `ssoenv console {word} --print` (it signs anyone in as the role for 15 minutes; \
                 do not share it), or set $BROWSER"
            )));
        }
    };

    let ctx = Context::new(CacheDirs::from_env()?, ui, settings);
    let resolved = crate::activate::credentials_for(
        &ctx,
        &name,
        &policy(&args.login, false),
        args.force_refresh,
    )?;
    let (region, defaulted) =
        console::region(args.region.as_deref(), &name, resolved.region.as_deref())?;
    if defaulted {
        ui.say(&format!(
            "{name} has no region: opening the console in {region} (--region picks another)"
        ));
    }
    let destination = console::destination(&region, &page)?;
    let url = console::sign_in_url(&ctx, &name, &resolved, &region, &destination)?;

    let account = match resolved.account_name.as_deref().filter(|n| !n.is_empty()) {
        Some(label) => format!("{} ({label})", resolved.account_id),
        None => resolved.account_id.clone(),
    };
    let who = format!("account {account} as {}, {region}", resolved.role_name);
    let Some(browser) = browser else {
        ui.say(&format!(
            "{name}: console sign-in link for {who}; it signs anyone in as the role for 15 \
             minutes: do not share it"
        ));
        return Ok(Outcome::Print(format!("{url}\n")));
    };
    crate::browser::open(browser, &url).map_err(|why| {
        // The opener's words may quote what it was given: the link never reaches a message.
        Error::new("console", why.replace(&url, "[the sign-in link]")).with_hint(format!(
            "print the link and open it yourself: `ssoenv console {word} --print` (within 15 \
             minutes; do not share it)"
        ))
    })?;
    ui.say(&format!("{name}: opening the AWS console ({who})"));
    Ok(Outcome::Print(String::new()))
}
