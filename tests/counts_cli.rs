//! `spcure regress --family poisson|negbin|auto [--offset COL]` against R (glm with
//! offset(log(months)), MASS::glm.nb; tests/reference/counts/make.R), the pre–post identity,
//! the overdispersion decision, and bad input (exit 2) vs models that cannot be fitted (exit 1).

use std::process::{Command, Output};

use serde_json::Value;

const REF_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/counts");
const REFERENCE: &str = include_str!("reference/counts/reference.json");
/// Coefficients, SEs, θ and SE(θ): absolute 1e-6, relative for values above 1 (the brief's
/// tolerance for GLMs against R).
const TOL: f64 = 1e-6;

fn spcure(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .arg("regress")
        .args(args)
        .output()
        .unwrap()
}

fn reference() -> Value {
    serde_json::from_str(REFERENCE).unwrap()
}

fn file(name: &str) -> String {
    format!("{REF_DIR}/{name}")
}

fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = spcure(&all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn close(got: f64, want: f64, what: &str) {
    let err = (got - want).abs() / want.abs().max(1.0);
    assert!(err <= TOL, "{what}: got {got}, R {want} (error {err:e})");
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Compares a spcure fit with one R fit: terms, SEs, z, CIs, rate ratios, deviance, Pearson
/// χ², log-likelihood, AIC, and θ with its SE for NB.
fn compare(got: &Value, want: &Value, what: &str) {
    let fit = &got["fit"];
    assert_eq!(fit["n"], want["n"], "{what}");
    assert_eq!(fit["df_residual"], want["df_residual"], "{what}");
    let terms = fit["terms"].as_array().unwrap();
    let names: Vec<&str> = want["term"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(terms.len(), names.len(), "{what}");
    for key in [
        "estimate", "se", "z", "ci_low", "ci_high", "irr", "irr_low", "irr_high",
    ] {
        for (j, w) in nums(&want[key]).into_iter().enumerate() {
            assert_eq!(terms[j]["term"], names[j]);
            let g = terms[j][key].as_f64().unwrap();
            close(g, w, &format!("{what} {} {key}", names[j]));
        }
    }
    for (j, w) in nums(&want["p"]).into_iter().enumerate() {
        let g = terms[j]["p"].as_f64().unwrap();
        // p = 2Φ(−|z|): a relative error ε in z moves p by about z²ε relative.
        assert!((g / w - 1.0).abs() <= 1e-5, "{what} p: {g} vs {w}");
    }
    for key in ["deviance", "pearson_chi2", "log_lik", "aic"] {
        close(
            fit[key].as_f64().unwrap(),
            want[key].as_f64().unwrap(),
            &format!("{what} {key}"),
        );
    }
    if let Some(theta) = want.get("theta") {
        close(
            fit["theta"].as_f64().unwrap(),
            theta.as_f64().unwrap(),
            what,
        );
        let se = fit["theta_se"].as_f64().unwrap();
        close(
            se,
            want["se_theta_exact"].as_f64().unwrap(),
            &format!("{what} SE(θ)"),
        );
        // glm.nb's SE.theta is the same formula one Newton step before its final θ.
        let r_se = want["se_theta"].as_f64().unwrap();
        assert!(
            (se / r_se - 1.0).abs() < 1e-4,
            "{what} SE.theta: {se} vs {r_se}"
        );
        let od = &got["overdispersion"];
        close(
            od["lr"].as_f64().unwrap(),
            want["lr_vs_poisson"].as_f64().unwrap(),
            &format!("{what} LR"),
        );
        let (gp, wp) = (
            od["p"].as_f64().unwrap(),
            want["lr_p_halved"].as_f64().unwrap(),
        );
        assert!(
            (gp - wp).abs() <= 1e-6 * wp + 1e-300,
            "{what} LR p: {gp} vs {wp}"
        );
    } else {
        assert!(fit["theta"].is_null(), "{what}");
    }
}

const X: &str = "belong,group,age";

#[test]
fn poisson_with_offset_matches_r_glm() {
    let r = reference();
    let got = json(&[
        &file("counts.csv"),
        "--y",
        "visits",
        "--x",
        X,
        "--family",
        "poisson",
        "--offset",
        "months",
    ]);
    compare(&got, &r["poisson_offset"], "poisson, offset");
    assert_eq!(got["model"], "Poisson regression");
    assert_eq!(got["link"], "log");
    assert_eq!(got["fit"]["offset"], "months");
    assert_eq!(got["rows_read"], r["counts_rows_read"]);
    let dropped: u64 = got["exclusions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["count"].as_u64().unwrap())
        .sum();
    assert_eq!(dropped, 4);
    // Overdispersed counts: the check says so and the Poisson fit carries a warning.
    assert_eq!(got["overdispersion"]["overdispersed"], true);
    let pr = r["poisson_offset"]["pearson_chi2"].as_f64().unwrap() / 392.0;
    close(
        got["overdispersion"]["poisson_pearson_ratio"]
            .as_f64()
            .unwrap(),
        pr,
        "Pearson ratio",
    );
    assert!(got["warnings"][0]
        .as_str()
        .unwrap()
        .contains("overdispersed"));
    // % change = (IRR − 1) × 100, CI transformed alike.
    let t = &got["fit"]["terms"][2];
    let pct = (t["irr"].as_f64().unwrap() - 1.0) * 100.0;
    assert!((t["pct_change"].as_f64().unwrap() - pct).abs() < 1e-9);
    let pct_low = (t["irr_low"].as_f64().unwrap() - 1.0) * 100.0;
    assert!((t["pct_low"].as_f64().unwrap() - pct_low).abs() < 1e-9);
}

#[test]
fn negbin_with_offset_matches_r_glm_nb() {
    let r = reference();
    let args = [
        file("counts.csv"),
        "--y".into(),
        "visits".into(),
        "--x".into(),
        X.into(),
        "--offset".into(),
        "months".into(),
        "--family".into(),
    ];
    let mut nb: Vec<&str> = args.iter().map(String::as_str).collect();
    nb.push("negbin");
    let got = json(&nb);
    compare(&got, &r["negbin_offset"], "negbin, offset");
    assert_eq!(got["model"], "negative binomial (NB2) regression");
    // --family auto picks NB for these overdispersed counts and says why.
    let mut auto: Vec<&str> = args.iter().map(String::as_str).collect();
    auto.push("auto");
    let got = json(&auto);
    compare(&got, &r["negbin_offset"], "auto, offset");
    assert_eq!(got["requested"], "auto");
    let decision = got["decision"].as_str().unwrap();
    assert!(
        decision.starts_with("negative binomial chosen"),
        "{decision}"
    );
    assert!(got.get("warnings").is_none());
}

#[test]
fn models_without_offset_match_r() {
    let r = reference();
    for (family, key) in [
        ("poisson", "poisson_no_offset"),
        ("negbin", "negbin_no_offset"),
    ] {
        let got = json(&[
            &file("counts.csv"),
            "--y",
            "visits",
            "--x",
            X,
            "--family",
            family,
        ]);
        compare(&got, &r[key], key);
        assert!(got["fit"]["offset"].is_null());
    }
}

#[test]
fn equidispersed_counts_keep_poisson_under_auto() {
    let r = reference();
    let args = |family| {
        json(&[
            &file("equi.csv"),
            "--y",
            "y",
            "--x",
            "x",
            "--family",
            family,
        ])
    };
    let auto = args("auto");
    compare(&auto, &r["equi_poisson"], "equi auto");
    assert_eq!(auto["fit"]["family"], "poisson");
    assert_eq!(auto["overdispersion"]["overdispersed"], false);
    assert!(auto["decision"]
        .as_str()
        .unwrap()
        .starts_with("Poisson chosen"));
    // NB where θ is large and poorly determined (θ ≈ 29, SE ≈ 40) still matches glm.nb.
    compare(&args("negbin"), &r["equi_negbin"], "equi negbin");
}

/// Period as the only regressor: the Poisson rate ratio post/pre is the ratio of the two
/// periods' rates, (Σy₁/Σmonths₁)/(Σy₀/Σmonths₀) — Σpost/Σpre when exposures are equal.
#[test]
fn prepost_rate_ratio_is_the_ratio_of_the_sums() {
    let r = reference();
    let got = json(&[
        &file("prepost.csv"),
        "--y",
        "visits",
        "--x",
        "wave",
        "--family",
        "poisson",
        "--offset",
        "months",
    ]);
    compare(&got, &r["prepost_poisson"], "prepost");
    let s = &r["prepost_sums"];
    let v = |k: &str| s[k].as_f64().unwrap();
    let want = (v("y1") / v("e1")) / (v("y0") / v("e0"));
    let irr = got["fit"]["terms"][1]["irr"].as_f64().unwrap();
    assert!((irr - want).abs() < 1e-12, "{irr} vs {want}");
}

#[test]
fn table_names_the_model_sample_check_and_decision() {
    let out = spcure(&[
        &file("counts.csv"),
        "--y",
        "visits",
        "--x",
        X,
        "--family",
        "auto",
        "--offset",
        "months",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "Negative binomial (NB2) regression, log link: visits ~ belong + group + age + offset(log(months))",
        "n = 396 of 400 rows read; 4 dropped listwise",
        "Estimand: rate ratios exp(β) of 'visits' per unit of 'months'",
        "Assumes: independent rows, log mean linear in the predictors, variance μ + μ²/θ (NB2)",
        "Overdispersion check: Poisson Pearson χ²/df = 3.6298",
        "Decision: negative binomial chosen (--family auto)",
        "θ = 0.8473 (SE 0.1161)",
        "% change",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
}

fn temp_csv(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("spcure-counts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn fails(args: &[&str], code: i32, needle: &str) {
    let out = spcure(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert!(err.contains(needle), "missing {needle:?} in {err}");
}

#[test]
fn bad_counts_and_exposures_exit_2_naming_row_column_value() {
    let neg = temp_csv("neg.csv", "y,x,m\n1,0.5,3\n2,1.5,3\n-1,2.5,3\n0,0.1,3\n");
    fails(
        &[&neg, "--y", "y", "--x", "x", "--family", "poisson"],
        2,
        "row 3, column 'y': -1 is not a count",
    );
    let frac = temp_csv("frac.csv", "y,x,m\n1,0.5,3\n2.5,1.5,3\n1,2.5,3\n0,0.1,3\n");
    fails(
        &[&frac, "--y", "y", "--x", "x", "--family", "negbin"],
        2,
        "row 2, column 'y': 2.5 is not a count",
    );
    let zero = temp_csv("zero.csv", "y,x,m\n1,0.5,3\n2,1.5,0\n1,2.5,3\n0,0.1,3\n");
    fails(
        &[
            &zero, "--y", "y", "--x", "x", "--family", "poisson", "--offset", "m",
        ],
        2,
        "row 2, column 'm': exposure 0 is not positive",
    );
    fails(
        &[&zero, "--y", "y", "--x", "x", "--offset", "m"],
        2,
        "--offset m needs a count model",
    );
    fails(
        &[
            &zero, "--y", "y", "--x", "x", "--family", "poisson", "--hc", "3",
        ],
        2,
        "--hc applies to OLS",
    );
}

#[test]
fn separation_exits_1_with_the_reason() {
    let sep = temp_csv(
        "sep.csv",
        "y,g\n2,0\n1,0\n3,0\n0,0\n2,0\n0,1\n0,1\n0,1\n0,1\n0,1\n",
    );
    fails(
        &[&sep, "--y", "y", "--x", "g", "--family", "poisson"],
        1,
        "separation",
    );
}

/// GEE with independence working correlation = Poisson with SEs clustered by participant;
/// R `geepack::geeglm(..., id = id, corstr = "independence")` (1e-4 for GEE; here it agrees
/// to 1e-6).
#[test]
fn prepost_with_participant_ids_matches_geepack() {
    let r = reference();
    let gee = &r["prepost_gee"];
    let got = json(&[
        &file("prepost.csv"),
        "--y",
        "visits",
        "--x",
        "wave",
        "--family",
        "poisson",
        "--offset",
        "months",
        "--id",
        "id",
    ]);
    let fit = &got["fit"];
    assert_eq!(fit["se_type"], "cluster-robust");
    assert_eq!(fit["clusters"], gee["clusters"]);
    assert_eq!(fit["n"], gee["n"]);
    let terms = fit["terms"].as_array().unwrap();
    for (j, (b, se)) in nums(&gee["estimate"])
        .into_iter()
        .zip(nums(&gee["se"]))
        .enumerate()
    {
        close(terms[j]["estimate"].as_f64().unwrap(), b, "GEE estimate");
        close(terms[j]["se"].as_f64().unwrap(), se, "GEE robust SE");
    }
    close(
        terms[1]["irr_low"].as_f64().unwrap(),
        nums(&gee["irr_low"])[1],
        "GEE IRR low",
    );
    assert_eq!(
        got["model"],
        "Poisson GEE (independence working correlation)"
    );
    let change = got["changes"][0].as_str().unwrap();
    assert!(
        change.starts_with(
            "The rate of 'visits' per unit of 'months' fell by 12.9 % from wave = 0 to wave = 1"
        ),
        "{change}"
    );
    // Without the offset; and text ids ("P1", …) give the same fit as numbers.
    let want = &r["prepost_gee_no_offset"];
    let got = json(&[
        &file("prepost.csv"),
        "--y",
        "visits",
        "--x",
        "wave",
        "--family",
        "poisson",
        "--id",
        "id",
    ]);
    let terms = got["fit"]["terms"].as_array().unwrap();
    for (j, (b, se)) in nums(&want["estimate"])
        .into_iter()
        .zip(nums(&want["se"]))
        .enumerate()
    {
        close(
            terms[j]["estimate"].as_f64().unwrap(),
            b,
            "GEE estimate, no offset",
        );
        close(
            terms[j]["se"].as_f64().unwrap(),
            se,
            "GEE robust SE, no offset",
        );
    }
    let text: String = std::fs::read_to_string(file("prepost.csv"))
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                format!("P{l}\n")
            }
        })
        .collect();
    let path = temp_csv("prepost_text_ids.csv", &text);
    let got_text = json(&[
        &path, "--y", "visits", "--x", "wave", "--family", "poisson", "--id", "id",
    ]);
    assert_eq!(got_text["fit"], got["fit"]);
}

#[test]
fn participant_ids_need_poisson_and_every_id() {
    let prepost = file("prepost.csv");
    fails(
        &[
            &prepost, "--y", "visits", "--x", "wave", "--family", "negbin", "--id", "id",
        ],
        2,
        "--id id takes --family poisson",
    );
    fails(
        &[&prepost, "--y", "visits", "--x", "wave", "--id", "id"],
        2,
        "--id id needs a count model",
    );
    let gap = temp_csv(
        "gap.csv",
        "id,wave,visits\n1,0,2\n1,1,1\n,0,3\n2,1,0\n3,0,1\n3,1,2\n",
    );
    fails(
        &[
            &gap, "--y", "visits", "--x", "wave", "--family", "poisson", "--id", "id",
        ],
        2,
        "row 3, column 'id': the participant id is missing",
    );
}

/// `analyse` with GP appointments declared `kind = "count"`: a count_change entry (Poisson GEE
/// over T0–T2, participants as clusters) instead of paired t tests, against
/// `geepack::geeglm(gp_visits ~ wave, corstr = "independence")` (tests/reference/counts/analyse.R).
#[test]
fn analyse_models_a_count_construct_with_count_change() {
    let want: Value =
        serde_json::from_str(include_str!("reference/counts/analyse_reference.json")).unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let out_dir = std::env::temp_dir().join(format!("spcure-count-analyse-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_dir);
    let waves: Vec<String> = (0..3)
        .map(|w| format!("{root}/data/example/T{w}.csv"))
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_spcure"))
        .arg("analyse")
        .args(&waves)
        .args([
            "--spec",
            &file("count_spec.toml"),
            "--boot",
            "1000",
            "--seed",
            "1",
        ])
        .args(["--format", "json", "--quiet", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("results.json")).unwrap())
            .unwrap();
    let analyses = results["analyses"].as_array().unwrap();
    let entry = analyses
        .iter()
        .find(|a| a["id"] == "count_change_gp_visits")
        .expect("a count_change entry");
    assert_eq!(entry["kind"], "count_change");
    let o = &entry["output"];
    assert_eq!(o["observations"], want["n"]);
    assert_eq!(o["participants"], want["clusters"]);
    assert_eq!(o["result"]["fit"]["clusters"], want["clusters"]);
    let terms = o["result"]["fit"]["terms"].as_array().unwrap();
    for (j, (b, se)) in nums(&want["estimate"])
        .into_iter()
        .zip(nums(&want["se"]))
        .enumerate()
    {
        close(
            terms[j]["estimate"].as_f64().unwrap(),
            b,
            "count_change estimate",
        );
        close(
            terms[j]["se"].as_f64().unwrap(),
            se,
            "count_change robust SE",
        );
    }
    let change = o["changes"][0].as_str().unwrap();
    assert!(
        change.starts_with("GP appointments (last 3 months) fell by 38.9 %"),
        "{change}"
    );
    assert!(change.ends_with("from T0 to T1"), "{change}");
    // The count is no longer in the paired-change table.
    let change_table = analyses.iter().find(|a| a["id"] == "change").unwrap();
    assert!(change_table["output"]["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["construct"] != "gp_visits"));
    let _ = std::fs::remove_dir_all(&out_dir);
}
