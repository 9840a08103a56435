//! Weeks 3 to 5: cleaning, splits and the first models; a refuted idea, and
//! cold-start hits the catalogue.

use super::story::{
    card, checklist, done, experiment, higher, hypothesis, strings, CardExt, Cards, Story, DP,
    JONAS, MEI, MOD, PRIYA, TOMAS,
};
use crate::model::Verdict;
use crate::ops::Placement;
use anyhow::Result;

/// Week 3: cleaning, splits, first models.
pub(super) fn week_3(s: &mut Story, c: &mut Cards) -> Result<()> {
    s.at("09-14 09:40", &JONAS)?;
    s.note(
        &c.bots,
        "The user-agent list alone catches 58% of the bots. Added rules: more than \
         5 events per second, more than 300 product views in a visit, or 50+ pages \
         with no scroll and no dwell time. Together they remove 11.1% of sessions.",
    )?;
    s.at("09-14 11:30", &JONAS)?;
    s.note(
        &c.sessions,
        "Visits rebuilt from device id plus a 30-minute inactivity gap. 14% of SDK \
         sessions were fragments; the median visit goes from 4.2 to 6.8 minutes \
         and the midnight resets are gone.",
    )?;
    s.at("09-14 11:35", &JONAS)?;
    s.set(
        &c.sessions,
        vec![(
            "experiment",
            experiment(&[], "clickstream-clean-v1", "", "7b3e0f1", ""),
        )],
    )?;
    s.at("09-14 15:00", &PRIYA)?;
    s.archive(&c.dedup)?;

    s.at("09-15 09:20", &MEI)?;
    c.splits = s.add(
        card(
            "task",
            DP,
            "Freeze train / validation / hold-out splits (time-based)",
        )
        .who(&["mei"])
        .body(
            "Time-based, so no model ever sees the future:\n\n\
             - train: 2026-07-01 to 2026-09-06\n\
             - validation: 2026-09-07 to 2026-09-13\n\
             - hold-out: 2026-09-14 to 2026-09-20 (scored once, in Evaluation)\n\n\
             All on clickstream-clean-v1: bots removed, events deduplicated, visits rebuilt.",
        ),
    )?;
    s.at("09-15 09:30", &MEI)?;
    s.set(
        &c.splits,
        vec![(
            "checklist",
            checklist(&[
                ("Splits written with content hashes", false),
                (
                    "Leakage check: no feature uses events after the split time",
                    false,
                ),
                ("Hold-out locked (read access for Evaluation only)", false),
            ]),
        )],
    )?;
    s.at("09-15 14:00", &MEI)?;
    c.text_features = s.add(
        card(
            "task",
            DP,
            "Product-text features: TF-IDF over title and description",
        )
        .who(&["mei"]),
    )?;

    s.at("09-16 09:30", &MEI)?;
    c.als = s.add(
        hypothesis(
            MOD,
            "ALS collaborative filtering beats the popularity widget",
            "Implicit-feedback ALS on views, add-to-carts and purchases raises \
             precision@10 over the popularity-by-category widget",
            "precision_at_10",
            0.12,
            0.16,
        )
        .who(&["mei"]),
    )?;
    s.at("09-16 09:35", &MEI)?;
    s.set(&c.als, vec![higher()])?;

    s.at("09-17 09:45", &JONAS)?;
    s.note(
        &c.bots,
        "False positives: B2B buyers on office-supply accounts look like scripts \
         (hundreds of SKUs, fast). Whitelisted by account type; 0.4% of sessions came back.",
    )?;
    s.at("09-17 10:00", &JONAS)?;
    s.set(
        &c.bots,
        vec![(
            "experiment",
            experiment(&[], "clickstream-clean-v1", "", "7b3e0f1", ""),
        )],
    )?;
    s.at("09-17 13:30", &TOMAS)?;
    c.sweep = s.add(
        card(
            "experiment",
            MOD,
            "ALS hyperparameter sweep: factors, regularization, alpha",
        )
        .who(&["tomas"]),
    )?;

    s.at("09-18 10:00", &PRIYA)?;
    s.set(&c.interviews, vec![("checklist.2.done", done())])?;
    s.at("09-18 10:05", &PRIYA)?;
    s.note(
        &c.interviews,
        "Mobile app team: two widget slots on the product page and a 40 ms budget on \
         their side, so our service has to answer in 50 ms p95.",
    )?;
    s.at("09-18 15:00", &MEI)?;
    s.set(
        &c.text_features,
        vec![(
            "experiment",
            experiment(&[], "catalogue-2026-09-15", "", "c19d2aa", ""),
        )],
    )?;
    s.at("09-18 15:05", &MEI)?;
    s.note(
        &c.text_features,
        "Title + description, 50k-term vocabulary, sublinear tf. \
         18% of SKUs only have a title, so their vectors are thin.",
    )?;
    Ok(())
}

/// Week 4: baseline model.
pub(super) fn week_4(s: &mut Story, c: &mut Cards) -> Result<()> {
    s.at("09-21 09:30", &MEI)?;
    s.set(
        &c.splits,
        vec![
            ("checklist.0.done", done()),
            ("checklist.1.done", done()),
            ("checklist.2.done", done()),
        ],
    )?;
    s.at("09-21 09:35", &MEI)?;
    s.note(
        &c.splits,
        "Splits frozen and hashed. The leakage check found one: 'bought together' \
         counts were computed over the whole period, hold-out included. \
         Rebuilt them from the train split only.",
    )?;
    s.at("09-22 10:00", &TOMAS)?;
    s.set(
        &c.sweep,
        vec![(
            "experiment",
            experiment(
                &[
                    "mlflow:0412470e53b2781a5d1089d6531aa85c",
                    "mlflow:041394885d1a1d89dc59bc09dd22eb3d",
                ],
                "clickstream-clean-v1 / splits-v1",
                "implicit ALS, 48-run grid",
                "5d0e7b4",
                "46 USD (spot CPU)",
            ),
        )],
    )?;
    s.at("09-22 10:10", &TOMAS)?;
    s.note(
        &c.sweep,
        "Best of 48 runs: 128 factors, regularization 0.05, alpha 40. Beyond 128 factors \
         validation precision@10 is flat and training time doubles.",
    )?;
    s.at("09-22 16:00", &MEI)?;
    s.set(
        &c.als,
        vec![(
            "experiment",
            experiment(
                &[
                    "mlflow:3f9a1cc167c03e650cb5ab6e1246316d",
                    "mlflow:3f9a2e34e13f49ff2b38305b2a35d851",
                ],
                "clickstream-clean-v1 / splits-v1",
                "implicit ALS, 128 factors",
                "5d0e7b4",
                "4 CPU-hours",
            ),
        )],
    )?;
    s.at("09-23 10:30", &MEI)?;
    s.verdict(&c.als, Verdict::Supported, 0.18)?;
    s.at("09-23 10:35", &MEI)?;
    s.note(
        &c.als,
        "0.18 vs 0.12 on validation, recall@10 0.27. \
         ALS is the new baseline every other model has to beat.",
    )?;

    s.at("09-23 11:00", &MEI)?;
    c.content = s.add(
        hypothesis(
            MOD,
            "Content-based alone beats ALS on precision@10",
            "TF-IDF similarity on product title and description recommends better than ALS, \
             because 40% of users have fewer than five interactions",
            "precision_at_10",
            0.18,
            0.19,
        )
        .who(&["mei"]),
    )?;
    s.at("09-23 11:05", &MEI)?;
    s.set(&c.content, vec![higher()])?;
    s.at("09-23 14:20", &MEI)?;
    c.hybrid = s.add(
        hypothesis(
            MOD,
            "Hybrid ALS + content features raises precision@10 from 0.18 to 0.22",
            "A LightGBM ranker over ALS candidates, with TF-IDF similarity and category \
             popularity as features, raises precision@10 from 0.18 to 0.22",
            "precision_at_10",
            0.18,
            0.22,
        )
        .who(&["mei", "tomas"]),
    )?;
    s.at("09-23 14:25", &MEI)?;
    s.set(&c.hybrid, vec![higher()])?;

    s.at("09-24 09:30", &MEI)?;
    c.cold = s.add(
        hypothesis(
            MOD,
            "Popularity + content features fix cold-start for new users and items",
            "For items in their first 7 days and users with fewer than 3 interactions, \
             blending category popularity and content similarity raises recall@10 \
             from 0.02 (ALS alone) to 0.08",
            "recall_at_10_new_items",
            0.02,
            0.08,
        )
        .who(&["mei"]),
    )?;
    s.at("09-24 09:35", &MEI)?;
    s.set(&c.cold, vec![higher()])?;
    s.at("09-24 11:00", &TOMAS)?;
    c.pinsage = s.add(
        hypothesis(
            MOD,
            "A graph neural recommender (PinSage) beats the hybrid",
            "PinSage embeddings over the user-item graph raise precision@10 above the hybrid",
            "precision_at_10",
            0.22,
            0.25,
        )
        .who(&["tomas"]),
    )?;
    s.at("09-25 10:00", &MEI)?;
    s.set(
        &c.text_features,
        vec![("labels", strings(&["needs-review"]))],
    )?;
    Ok(())
}

/// Week 5: a refuted idea, and cold-start hits the catalogue.
pub(super) fn week_5(s: &mut Story, c: &mut Cards) -> Result<()> {
    s.at("09-28 09:40", &MEI)?;
    s.set(
        &c.content,
        vec![(
            "experiment",
            experiment(
                &["mlflow:4a07d226b368f25083f6cb3517c166fc"],
                "clickstream-clean-v1 / splits-v1 / catalogue-2026-09-15",
                "TF-IDF kNN",
                "9e21f30",
                "1 CPU-hour",
            ),
        )],
    )?;
    s.at("09-28 09:45", &MEI)?;
    s.note(
        &c.content,
        "TF-IDF recommends near-duplicates: the same T-shirt in six colours fills the \
         whole list. Diversifying by product group helps a little, but precision@10 \
         stays at 0.14.",
    )?;
    s.at("09-29 10:00", &MEI)?;
    s.verdict(&c.content, Verdict::Refuted, 0.14)?;
    s.at("09-29 10:05", &MEI)?;
    s.note(
        &c.content,
        "Refuted, and worth knowing: content similarity alone loses to ALS, even for light \
         users. The TF-IDF vectors stay, as features in the hybrid, not as a model.",
    )?;
    s.at("09-29 14:00", &PRIYA)?;
    s.note(
        &c.content,
        "Good to have this before the steering committee asks for 'a model that reads \
         the product text'. Shared in Thursday's demo.",
    )?;

    s.at("09-30 09:30", &MEI)?;
    s.note(
        &c.cold,
        "Stuck on the catalogue: 41% of first-week SKUs have no description, so content \
         features are empty exactly where cold-start needs them. Back to data preparation \
         until the item metadata is backfilled.",
    )?;
    s.at("09-30 09:35", &MEI)?;
    s.mv(&c.cold, DP)?;
    s.at("09-30 09:40", &MEI)?;
    s.set(&c.cold, vec![("labels", strings(&["needs-data"]))])?;
    s.at("09-30 11:00", &JONAS)?;
    c.backfill = s.add(
        card("task", DP, "Item metadata backfill from the supplier feed")
            .labels(&["blocked"])
            .who(&["jonas"])
            .body(
                "Descriptions, categories and brands for the SKUs that have none, \
                 taken from the supplier feed every night.",
            ),
    )?;
    s.at("09-30 11:05", &JONAS)?;
    s.note(
        &c.backfill,
        "Blocked: we have no credentials for the supplier feed. Asked Supplier Ops.",
    )?;

    s.at("10-01 15:30", &PRIYA)?;
    s.note(
        &c.backfill,
        "Escalated to the Head of Supplier Ops; access promised for next week.",
    )?;
    s.at("10-01 16:00", &PRIYA)?;
    s.archive(&c.attribution)?;
    s.at("10-02 09:15", &MEI)?;
    s.place(&c.hybrid, MOD, Some(Placement::Top))?;
    s.at("10-02 11:00", &TOMAS)?;
    s.note(
        &c.pinsage,
        "Parked: a PinSage prototype needs about 300 GPU-hours per training run and the \
         quarter's GPU budget is 400. Revisit if the hybrid stalls.",
    )?;
    Ok(())
}
