//! Weeks 1 and 2: kickoff, business understanding, and what the clickstream
//! really looks like.

use super::story::{
    card, checklist, done, experiment, strings, text, CardExt, Cards, Story, BU, DP, DU, JONAS,
    MEI, PRIYA,
};
use crate::ops;
use anyhow::{anyhow, bail, Result};

/// Week 1: kickoff and business understanding.
pub(super) fn week_1(s: &mut Story, c: &mut Cards) -> Result<()> {
    s.at("09-01 09:00", &PRIYA)?;
    // The built-in template, not a user template of the same name: the
    // story needs the CRISP-DM lanes and labels.
    let template = crate::templates::BUILTIN
        .iter()
        .find(|(name, _)| *name == "crisp-dm")
        .map(|(_, text)| *text)
        .ok_or_else(|| anyhow!("the built-in crisp-dm template is missing"))?;
    // The team's compute budgets: the quarter's GPU hours the story
    // mentions, and the year's cloud bill.
    let init = ops::Init {
        template_text: format!(
            "{template}budgets:\n  - {{unit: GPU-hours, amount: 400, period: quarter}}\n  - {{unit: USD, amount: 600, period: year}}\n"
        ),
        template_name: "crisp-dm".into(),
        name: Some("Recommendation engine".into()),
    };
    let created = ops::apply(&s.ctx, &s.root, ops::Action::Init(Box::new(init)))?;
    let ops::More::Created(root) = created.more else {
        bail!("the demo board was not created");
    };
    s.root = root;

    s.at("09-01 09:20", &PRIYA)?;
    c.kickoff = s.add(
        card("task", BU, "Kickoff: agree scope, team and weekly cadence")
            .who(&["priya"])
            .body(
                "Recommendations on the shop are a popularity widget from 2019. \
                 Three months to find out whether a learned recommender is worth running.",
            ),
    )?;
    s.at("09-01 09:25", &PRIYA)?;
    s.set(
        &c.kickoff,
        vec![(
            "checklist",
            checklist(&[
                (
                    "Team: Priya (PM), Jonas (data), Mei (modeling), Tomás (ML engineering)",
                    false,
                ),
                ("Weekly demo on Thursdays, board reviewed live", false),
                (
                    "Board lives in the recs repo: every change is a commit",
                    false,
                ),
            ]),
        )],
    )?;

    s.at("09-01 09:40", &PRIYA)?;
    c.goal = s.add(
        card(
            "task",
            BU,
            "Business goal: raise add-to-cart rate from recommendations",
        )
        .labels(&["stakeholder"])
        .who(&["priya"])
        .body(
            "Recommendation widgets (home page \"For you\", product page \"You may also like\", \
                 cart page) drive 9% of add-to-carts today.\n\n\
                 Objective: raise the add-to-cart rate from recommendations by 15% (relative) \
                 without slowing the pages down.\n\n\
                 Baseline (July-August): 4.1% of sessions that see a recommendation widget \
                 add a recommended item to the cart.\n\n\
                 Decision owner: Head of E-commerce. Sign-off: an A/B test.",
        ),
    )?;
    s.at("09-01 10:05", &PRIYA)?;
    s.set(
        &c.goal,
        vec![(
            "checklist",
            checklist(&[
                ("Objective signed off by the Head of E-commerce", false),
                ("Baseline add-to-cart rate measured (July-August)", true),
                (
                    "Constraints: p95 latency under 50 ms, consented users only",
                    true,
                ),
            ]),
        )],
    )?;

    s.at("09-01 14:30", &PRIYA)?;
    c.interviews = s.add(
        card("task", BU, "Stakeholder interviews")
            .labels(&["stakeholder"])
            .who(&["priya"])
            .due("2026-09-25")
            .body(
                "What does a good recommendation mean to each team, \
                 and what must never be recommended?",
            ),
    )?;
    s.at("09-01 14:35", &PRIYA)?;
    s.set(
        &c.interviews,
        vec![(
            "checklist",
            checklist(&[
                ("Merchandising", false),
                ("CRM / newsletter team", false),
                ("Mobile app team", false),
                ("Customer service", false),
                ("Legal / privacy (consent, profiling)", false),
            ]),
        )],
    )?;

    s.at("09-02 09:15", &PRIYA)?;
    c.targets = s.add(
        card(
            "task",
            BU,
            "Translate add-to-cart goal into precision@10 / recall@10 targets",
        )
        .who(&["priya", "mei"]),
    )?;

    s.at("09-02 09:40", &JONAS)?;
    c.audit = s.add(
        card("task", DU, "Clickstream audit: July-August events")
            .who(&["jonas"])
            .body(
                "410M events from the web and app SDKs, 2026-07-01 to 2026-08-31. \
                 Check volumes, duplicates, sessions and bots before anybody trains on it.",
            ),
    )?;
    s.at("09-02 09:45", &JONAS)?;
    s.set(
        &c.audit,
        vec![(
            "checklist",
            checklist(&[
                ("Event volumes per day and platform", true),
                ("Duplicate events", false),
                ("Session ids vs. real visits", false),
                ("Bot and crawler traffic", false),
                ("Join to the catalogue (orphan SKUs)", false),
            ]),
        )],
    )?;

    s.at("09-02 11:10", &MEI)?;
    s.note(
        &c.targets,
        "The add-to-cart goal needs an offline proxy we can score on logged data. \
         Proposal: precision@10 and recall@10 against the next session's add-to-carts. \
         In last year's widget test both moved together with add-to-cart, \
         so they are a fair stand-in for choosing what to A/B test.",
    )?;
    s.at("09-02 15:00", &MEI)?;
    s.set(
        &c.targets,
        vec![
            (
                "body",
                text(
                    "Offline proxy for the add-to-cart goal, scored on each user's \
                     next-session add-to-carts:\n\n\
                     - precision@10 >= 0.22 (popularity widget today: 0.12)\n\
                     - recall@10 >= 0.30 (today: 0.17)\n\
                     - served in under 50 ms p95\n\n\
                     The decision is still the A/B test on add-to-cart rate; \
                     these targets decide what is worth A/B testing.",
                ),
            ),
            ("labels", strings(&["needs-review"])),
        ],
    )?;

    s.at("09-03 10:00", &JONAS)?;
    c.gaps = s.add(
        card("task", DU, "Catalogue metadata gaps")
            .labels(&["needs-data"])
            .who(&["jonas", "mei"]),
    )?;
    s.at("09-03 11:30", &PRIYA)?;
    c.attribution = s.add(
        card(
            "task",
            DU,
            "Define attribution: which add-to-carts count as from recommendations",
        )
        .labels(&["stakeholder"])
        .who(&["priya", "jonas"]),
    )?;
    s.at("09-03 16:20", &PRIYA)?;
    s.set(&c.interviews, vec![("checklist.0.done", done())])?;
    s.at("09-03 16:25", &PRIYA)?;
    s.note(
        &c.interviews,
        "Merchandising: never recommend out-of-stock items; promoted brands are fine \
         if they are labelled. They want more of the long tail seen.",
    )?;

    s.at("09-04 10:00", &PRIYA)?;
    s.set(
        &c.kickoff,
        vec![
            ("checklist.0.done", done()),
            ("checklist.1.done", done()),
            ("checklist.2.done", done()),
        ],
    )?;
    s.at("09-04 14:00", &PRIYA)?;
    s.note(
        &c.targets,
        "Agreed with the Head of E-commerce at Thursday's demo: \
         0.22 / 0.30 offline, then the A/B test decides.",
    )?;
    s.at("09-04 14:05", &PRIYA)?;
    s.set(&c.targets, vec![("labels", strings(&[]))])?;
    Ok(())
}

/// Week 2: what the clickstream really looks like.
pub(super) fn week_2(s: &mut Story, c: &mut Cards) -> Result<()> {
    s.at("09-07 09:30", &JONAS)?;
    s.note(
        &c.audit,
        "Bot traffic: 11.4% of sessions come from crawlers and scripted clients. \
         Only 58% of them say so in the user agent; the rest show up as more than \
         5 events per second, or hundreds of product views with no scrolling.",
    )?;
    s.at("09-07 09:35", &JONAS)?;
    s.set(&c.audit, vec![("checklist.3.done", done())])?;
    s.at("09-07 11:00", &PRIYA)?;
    s.set(&c.goal, vec![("checklist.0.done", done())])?;
    s.at("09-07 11:05", &PRIYA)?;
    s.note(
        &c.goal,
        "Signed off by the Head of E-commerce: +15% relative add-to-cart rate from \
         recommendation widgets, decided by an A/B test. Anything below that needs \
         a conversation, not an automatic no.",
    )?;
    s.at("09-07 15:10", &PRIYA)?;
    s.set(&c.interviews, vec![("checklist.1.done", done())])?;

    s.at("09-08 10:20", &JONAS)?;
    s.note(
        &c.audit,
        "Duplicates: 3.2% of events are exact repeats within one second. The app SDK \
         retries when the network is slow and the collector does not deduplicate.",
    )?;
    s.at("09-08 14:45", &JONAS)?;
    s.note(
        &c.audit,
        "Session ids are not visits: the web SDK resets the session id at midnight UTC, \
         the app every time it comes back from the background. 14% of real visits are \
         split into two or more sessions, so every session feature would be wrong \
         without a rebuild.",
    )?;
    s.at("09-08 14:50", &JONAS)?;
    s.set(
        &c.audit,
        vec![("checklist.1.done", done()), ("checklist.2.done", done())],
    )?;
    s.at("09-08 16:00", &PRIYA)?;
    s.archive(&c.kickoff)?;

    s.at("09-09 09:50", &MEI)?;
    s.note(
        &c.gaps,
        "18% of active SKUs have no description, 7% no category and 23% no brand. \
         About 2,100 new SKUs arrive every week and most come without text for their \
         first days. That hurts anything content-based, and cold-start most of all.",
    )?;
    s.at("09-09 10:30", &JONAS)?;
    s.set(
        &c.gaps,
        vec![(
            "body",
            text(
                "Catalogue coverage, 312k active SKUs:\n\n\
                 - description: 18% missing (41% of SKUs in their first week)\n\
                 - category: 7% missing\n\
                 - brand: 23% missing\n\
                 - images: 2% missing\n\n\
                 The supplier feed has most of it, but we have no access to it yet.",
            ),
        )],
    )?;
    s.at("09-09 14:00", &JONAS)?;
    s.set(&c.audit, vec![("checklist.4.done", done())])?;
    s.at("09-09 14:05", &JONAS)?;
    s.note(
        &c.audit,
        "0.6% of product views point at SKUs missing from the catalogue export \
         (delisted items). Harmless; dropped in preparation.",
    )?;

    s.at("09-10 09:30", &JONAS)?;
    c.bots = s.add(card("task", DP, "Bot filtering for the clickstream").who(&["jonas"]))?;
    s.at("09-10 09:35", &JONAS)?;
    c.sessions = s.add(
        card(
            "task",
            DP,
            "Sessionization: rebuild visits from device id and a 30-minute gap",
        )
        .who(&["jonas"]),
    )?;
    s.at("09-10 09:40", &JONAS)?;
    c.dedup = s.add(
        card("task", DP, "Deduplicate SDK retry events")
            .labels(&["quick-win"])
            .who(&["jonas"]),
    )?;
    s.at("09-10 11:00", &PRIYA)?;
    s.note(
        &c.attribution,
        "Agreed with Jonas and Analytics: an add-to-cart counts as from recommendations \
         when the same SKU was clicked in a recommendation tile earlier in the same visit \
         (rebuilt visits, not SDK session ids). View-through does not count.",
    )?;

    s.at("09-11 10:15", &JONAS)?;
    s.note(
        &c.dedup,
        "Dedup key: device id, event type, SKU and the timestamp cut to the second. \
         Removes 3.1% of events; about 0.02% of those were real double clicks, \
         which we can live with.",
    )?;
    s.at("09-11 10:20", &JONAS)?;
    s.set(
        &c.dedup,
        vec![(
            "experiment",
            experiment(&[], "clickstream-dedup-v1", "", "a41c9e2", ""),
        )],
    )?;
    Ok(())
}
