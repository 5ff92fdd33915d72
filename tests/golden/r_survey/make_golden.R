# Golden figures from R's survey package for migindicators.engine.survey.
#
# Usage (from the repository root; installs nothing):
#   python tests/golden/r_survey/export_fixtures.py   # the project's own fixture -> data/lfs.csv
#   Rscript tests/golden/r_survey/make_golden.R       # -> data/*.csv and cases.json
#
# Data: survey's bundled api (apistrat, apiclus1, apiclus2), nhanes, scd, election_pps, and
# the project's LFS fixture. Each case states the design, the call and, per domain cell, the
# estimate, SE, t interval and degrees of freedom R gives. Conventions (R's, also the
# library's defaults): a domain is subset(design, domain & !is.na(y)) -- the full design's
# PSU counts are kept -- and its interval uses degf() of that subset.
suppressMessages({
  library(survey)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("--file=", "", args[grep("--file=", args)])
here <- dirname(normalizePath(script))
datadir <- file.path(here, "data")
dir.create(datadir, showWarnings = FALSE)

data(api)
data(nhanes)
data(scd)
data(election)

write_data <- function(df, name) {
  write.csv(df, file.path(datadir, paste0(name, ".csv")), row.names = FALSE, na = "")
}

apistrat_d <- data.frame(
  stype = as.character(apistrat$stype), dnum = apistrat$dnum, cname = as.character(apistrat$cname),
  pw = apistrat$pw, fpc = apistrat$fpc, api00 = apistrat$api00, api99 = apistrat$api99,
  enroll = apistrat$enroll, awards = as.character(apistrat$awards),
  sch_wide = as.character(apistrat$sch.wide), meals = apistrat$meals
)
apiclus1_d <- data.frame(
  dnum = apiclus1$dnum, stype = as.character(apiclus1$stype), pw = apiclus1$pw, fpc = apiclus1$fpc,
  api00 = apiclus1$api00, api99 = apiclus1$api99, enroll = apiclus1$enroll,
  awards = as.character(apiclus1$awards)
)
apiclus2_d <- data.frame(
  dnum = apiclus2$dnum, snum = apiclus2$snum, stype = as.character(apiclus2$stype),
  pw = apiclus2$pw, api00 = apiclus2$api00, enroll = apiclus2$enroll,
  awards = as.character(apiclus2$awards)
)
nhanes_d <- data.frame(nhanes)
nhanes_d$agecat <- as.character(nhanes_d$agecat)
scd_d <- data.frame(scd, fpc = 5)
election_d <- data.frame(
  county = as.character(election_pps$County), Bush = election_pps$Bush,
  Kerry = election_pps$Kerry, votes = election_pps$votes, wt = election_pps$wt
)
lfs_d <- read.csv(file.path(datadir, "lfs.csv"), stringsAsFactors = FALSE)
write_data(apistrat_d, "apistrat")
write_data(apiclus1_d, "apiclus1")
write_data(apiclus2_d, "apiclus2")
write_data(nhanes_d, "nhanes")
write_data(scd_d, "scd")
write_data(election_d, "election")

frames <- list(apistrat = apistrat_d, apiclus1 = apiclus1_d, apiclus2 = apiclus2_d,
               nhanes = nhanes_d, scd = scd_d, election = election_d, lfs = lfs_d)

cases <- list()
add_case <- function(case) cases[[length(cases) + 1]] <<- case

# --- one estimate on one (sub)design --------------------------------------------------------
one <- function(d, parameter, y, x = NULL, level = NULL, q = 0.5, qrule = "math",
                ci = "logit") {
  df <- degf(d)
  f <- as.formula(paste0("~", y))
  if (parameter %in% c("total", "mean")) {
    s <- if (parameter == "total") svytotal(f, d) else svymean(f, d)
    ci_ <- confint(s, df = df)
    return(list(value = as.numeric(coef(s)), se = as.numeric(SE(s)), ci_lower = ci_[1, 1],
                ci_upper = ci_[1, 2], df = df))
  }
  if (parameter == "ratio") {
    s <- svyratio(f, as.formula(paste0("~", x)), d)
    ci_ <- confint(s, df = df)
    return(list(value = as.numeric(coef(s)), se = as.numeric(SE(s)), ci_lower = ci_[1, 1],
                ci_upper = ci_[1, 2], df = df))
  }
  if (parameter == "proportion") {
    fl <- as.formula(paste0("~I(", y, " == ", deparse(level), ")"))
    s <- suppressWarnings(svyciprop(fl, d, method = ci, df = df))
    return(list(value = as.numeric(coef(s)), se = as.numeric(sqrt(attr(s, "var")))[1],
                ci_lower = as.numeric(attr(s, "ci")[1]), ci_upper = as.numeric(attr(s, "ci")[2]),
                df = df))
  }
  if (parameter == "quantile") {
    s <- svyquantile(f, d, q, ci = TRUE, qrule = qrule)
    ci_ <- confint(s)
    return(list(value = as.numeric(coef(s)), se = as.numeric(SE(s)), ci_lower = ci_[1, 1],
                ci_upper = ci_[1, 2], df = df))
  }
  stop("unknown parameter")
}

keep_rows <- function(data, y, x) {
  ok <- !is.na(data[[y]])
  if (!is.null(x)) ok <- ok & !is.na(data[[x]])
  ok
}

# --- a case: the whole sample or every domain cell ------------------------------------------
run_case <- function(id, data_name, rdesign, design, parameter, y, x = NULL, by = NULL,
                     q = 0.5, qrule = "math", lonely = "fail", repw = NULL, ci = "logit",
                     levels = NULL) {
  options(survey.lonely.psu = lonely)
  data <- frames[[data_name]]
  ok <- keep_rows(data, y, x)
  if (parameter == "proportion" && is.null(levels)) levels <- sort(unique(data[[y]][ok]))
  if (parameter != "proportion") levels <- list(NULL)
  cells <- if (is.null(by)) list(NULL) else sort(unique(data[[by]][ok]))
  results <- list()
  for (cell in cells) {
    rows <- ok
    if (!is.null(cell)) rows <- rows & data[[by]] == cell
    d <- subset(rdesign, rows)
    for (lev in levels) {
      r <- one(d, parameter, y, x, lev, q, qrule, ci)
      if (!is.null(by)) r[[by]] <- cell
      if (parameter == "proportion") r[[y]] <- lev
      results[[length(results) + 1]] <- r
    }
  }
  add_case(list(id = id, data = data_name, repw = repw, design = design, lonely_psu = lonely,
                parameter = parameter, y = y, x = x, by = by, q = q, qrule = qrule,
                proportion_ci = ci, results = results))
}

run_difference <- function(id, data_name, rdesign, design, parameter, y, compare, levels,
                           x = NULL, lonely = "fail", repw = NULL) {
  options(survey.lonely.psu = lonely)
  data <- frames[[data_name]]
  ok <- keep_rows(data, y, x)
  rows <- ok & data[[compare]] %in% levels
  d <- subset(rdesign, rows)
  est <- function(level) {
    dd <- subset(rdesign, ok & data[[compare]] == level)
    f <- as.formula(paste0("~", y))
    if (parameter == "total") svytotal(f, dd) else if (parameter == "mean") svymean(f, dd)
    else svyratio(f, as.formula(paste0("~", x)), dd)
  }
  # Both domain estimates with their covariance, from one svyby.
  fby <- as.formula(paste0("~", compare))
  f <- as.formula(paste0("~", y))
  dall <- subset(rdesign, ok)
  b <- if (parameter == "ratio") {
    svyby(f, fby, dall, svyratio, denominator = as.formula(paste0("~", x)), covmat = TRUE)
  } else {
    svyby(f, fby, dall, if (parameter == "total") svytotal else svymean, covmat = TRUE)
  }
  keys <- as.character(b[[compare]])
  w <- as.numeric(keys == as.character(levels[1])) - as.numeric(keys == as.character(levels[2]))
  con <- svycontrast(b, w)
  df <- degf(d)
  ci_ <- confint(con, df = df)
  res <- list(value = as.numeric(coef(con)), se = as.numeric(SE(con)), ci_lower = ci_[1, 1],
              ci_upper = ci_[1, 2], df = df,
              estimate_a = as.numeric(coef(est(levels[1]))),
              estimate_b = as.numeric(coef(est(levels[2]))))
  add_case(list(id = id, data = data_name, repw = repw, design = design, lonely_psu = lonely,
                parameter = parameter, y = y, x = x, compare = compare, levels = levels,
                kind = "difference", results = list(res)))
}

export_reps <- function(rdesign, name) {
  # Compressed replicate factors (one row per distinct pattern) and each row's pattern, when
  # R holds them so; the final replicate weights are the sampling weight times the factors.
  rw <- rdesign$repweights
  if (inherits(rw, "repweights_compressed") && !rdesign$combined.weights) {
    f <- as.data.frame(rw$weights)
    colnames(f) <- paste0("rep", seq_len(ncol(f)))
    write_data(f, paste0(name, "_factors"))
    write_data(data.frame(index = rw$index), paste0(name, "_index"))
    stopifnot(max(abs(as.matrix(rw) * rdesign$pweights - weights(rdesign, "analysis"))) == 0)
  } else {
    w <- weights(rdesign, "analysis")
    colnames(w) <- paste0("rep", seq_len(ncol(w)))
    write_data(as.data.frame(w), paste0(name, "_repw"))
  }
  paste0("rep", seq_len(ncol(rdesign$repweights)))
}

# ============================================================================================
# Taylor designs
strat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat_d)
strat_spec <- list(weight = "pw", strata = "stype", fpc = "fpc")
for (p in c("total", "mean")) {
  run_case(paste0("apistrat.", p), "apistrat", strat, strat_spec, p, "api00")
  run_case(paste0("apistrat.", p, ".by_awards"), "apistrat", strat, strat_spec, p, "api00",
           by = "awards")
  run_case(paste0("apistrat.", p, ".enroll.by_stype"), "apistrat", strat, strat_spec, p,
           "enroll", by = "stype")
}
run_case("apistrat.ratio", "apistrat", strat, strat_spec, "ratio", "api00", x = "api99")
run_case("apistrat.ratio.by_sch_wide", "apistrat", strat, strat_spec, "ratio", "api00",
         x = "api99", by = "sch_wide")
run_case("apistrat.proportion.awards", "apistrat", strat, strat_spec, "proportion", "awards")
run_case("apistrat.proportion.awards.by_stype", "apistrat", strat, strat_spec, "proportion",
         "awards", by = "stype")
run_case("apistrat.quantile.median", "apistrat", strat, strat_spec, "quantile", "api00")
run_case("apistrat.quantile.q25.by_stype", "apistrat", strat, strat_spec, "quantile", "api00",
         by = "stype", q = 0.25)
run_case("apistrat.quantile.school.by_awards", "apistrat", strat, strat_spec, "quantile",
         "meals", by = "awards", qrule = "school")
run_difference("apistrat.difference.mean.awards", "apistrat", strat, strat_spec, "mean",
               "api00", "awards", c("Yes", "No"))
run_difference("apistrat.difference.total.awards", "apistrat", strat, strat_spec, "total",
               "enroll", "awards", c("Yes", "No"))

clus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1_d)
clus1_spec <- list(weight = "pw", psu = "dnum", fpc = "fpc")
for (p in c("total", "mean")) {
  run_case(paste0("apiclus1.", p), "apiclus1", clus1, clus1_spec, p, "api00")
  run_case(paste0("apiclus1.", p, ".by_stype"), "apiclus1", clus1, clus1_spec, p, "enroll",
           by = "stype")
}
run_case("apiclus1.ratio.by_stype", "apiclus1", clus1, clus1_spec, "ratio", "api00",
         x = "api99", by = "stype")
run_case("apiclus1.proportion.awards.by_stype", "apiclus1", clus1, clus1_spec, "proportion",
         "awards", by = "stype")
run_case("apiclus1.quantile.by_stype", "apiclus1", clus1, clus1_spec, "quantile", "api00",
         by = "stype")
run_difference("apiclus1.difference.ratio.stype", "apiclus1", clus1, clus1_spec, "ratio",
               "api00", "stype", c("E", "H"), x = "api99")

# Two-stage sample, first stage only (ultimate cluster, with replacement): the library's model.
clus2 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus2_d)
clus2_spec <- list(weight = "pw", psu = "dnum")
run_case("apiclus2.total.enroll_missing", "apiclus2", clus2, clus2_spec, "total", "enroll")
run_case("apiclus2.mean.enroll_missing.by_stype", "apiclus2", clus2, clus2_spec, "mean",
         "enroll", by = "stype")
run_case("apiclus2.quantile.enroll_missing", "apiclus2", clus2, clus2_spec, "quantile", "enroll")

nh <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE,
                data = nhanes_d)
nh_spec <- list(weight = "WTMEC2YR", strata = "SDMVSTRA", psu = "SDMVPSU")
run_case("nhanes.mean.hi_chol_missing", "nhanes", nh, nh_spec, "mean", "HI_CHOL")
run_case("nhanes.total.hi_chol_missing.by_race", "nhanes", nh, nh_spec, "total", "HI_CHOL",
         by = "race")
run_case("nhanes.mean.hi_chol_missing.by_agecat", "nhanes", nh, nh_spec, "mean", "HI_CHOL",
         by = "agecat")
run_case("nhanes.proportion.hi_chol_missing.by_race", "nhanes", nh, nh_spec, "proportion",
         "HI_CHOL", by = "race")
run_case("nhanes.proportion.race.by_gender", "nhanes", nh, nh_spec, "proportion", "race",
         by = "RIAGENDR")
run_case("nhanes.quantile.hi_chol_missing.by_agecat", "nhanes", nh, nh_spec, "quantile",
         "race", by = "agecat", q = 0.5)
run_difference("nhanes.difference.mean.gender", "nhanes", nh, nh_spec, "mean", "HI_CHOL",
               "RIAGENDR", c(1, 2))

scd_tay <- svydesign(data = scd_d, prob = ~1, id = ~ambulance, strata = ~ESA, nest = TRUE,
                     fpc = ~fpc)
scd_spec <- list(strata = "ESA", psu = "ambulance", fpc = "fpc")
run_case("scd.total.alive", "scd", scd_tay, scd_spec, "total", "alive")
run_case("scd.ratio.alive_arrests", "scd", scd_tay, scd_spec, "ratio", "alive", x = "arrests")

elec <- svydesign(id = ~1, weights = ~wt, data = election_d)
elec_spec <- list(weight = "wt")
run_case("election.total.Bush", "election", elec, elec_spec, "total", "Bush")
run_case("election.ratio.Kerry_votes", "election", elec, elec_spec, "ratio", "Kerry", x = "votes")

lfs <- svydesign(id = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = lfs_d)
lfs_spec <- list(weight = "weight", strata = "stratum", psu = "psu")
run_case("lfs.mean.cost_fees_missing.by_sex", "lfs", lfs, lfs_spec, "mean", "cost_fees",
         by = "sex")
run_case("lfs.ratio.fees_travel.by_destination", "lfs", lfs, lfs_spec, "ratio", "cost_fees",
         x = "cost_travel", by = "destination")
run_case("lfs.proportion.documented.by_sex", "lfs", lfs, lfs_spec, "proportion", "documented",
         by = "sex")
run_case("lfs.quantile.cost_travel.by_education", "lfs", lfs, lfs_spec, "quantile",
         "cost_travel", by = "education")
run_difference("lfs.difference.mean.sex", "lfs", lfs, lfs_spec, "mean", "cost_fees", "sex",
               c("F", "M"))

# Lonely PSUs: counties as strata, schools as PSUs; some counties have one school.
lonely_d <- svydesign(id = ~1, strata = ~cname, weights = ~pw, data = apistrat_d)
lonely_spec <- list(weight = "pw", strata = "cname")
for (rule in c("remove", "certainty", "adjust", "average")) {
  for (p in c("total", "mean")) {
    run_case(paste0("apistrat.lonely_", rule, ".", p), "apistrat", lonely_d, lonely_spec, p,
             "api00", lonely = rule)
    run_case(paste0("apistrat.lonely_", rule, ".", p, ".by_stype"), "apistrat", lonely_d,
             lonely_spec, p, "enroll", by = "stype", lonely = rule)
  }
}
options(survey.lonely.psu = "fail")

# ============================================================================================
# Replicate designs (final replicate weights exported beside the data)
rep_cases <- function(name, data_name, rdesign, spec) {
  cols <- export_reps(rdesign, name)
  spec$replicate_weights <- cols
  spec$scale <- rdesign$scale
  spec$rscales <- as.numeric(rdesign$rscales)
  run_case(paste0(name, ".total"), data_name, rdesign, spec, "total", "enroll", repw = name)
  run_case(paste0(name, ".total.by_stype"), data_name, rdesign, spec, "total", "enroll",
           by = "stype", repw = name)
  run_case(paste0(name, ".mean.by_awards"), data_name, rdesign, spec, "mean", "api00",
           by = "awards", repw = name)
  run_case(paste0(name, ".ratio.by_stype"), data_name, rdesign, spec, "ratio", "api00",
           x = "api99", by = "stype", repw = name)
  run_case(paste0(name, ".proportion.awards.by_stype"), data_name, rdesign, spec,
           "proportion", "awards", by = "stype", repw = name)
  run_case(paste0(name, ".proportion.xlogit.awards"), data_name, rdesign, spec,
           "proportion", "awards", repw = name, ci = "xlogit")
  run_case(paste0(name, ".quantile.by_stype"), data_name, rdesign, spec, "quantile", "api00",
           by = "stype", repw = name)
  run_difference(paste0(name, ".difference.mean.awards"), data_name, rdesign, spec, "mean",
                 "api00", "awards", c("Yes", "No"), repw = name)
}
set.seed(20261204)
jk1 <- as.svrepdesign(clus1, type = "JK1")
rep_cases("apiclus1_jk1", "apiclus1", jk1, list(weight = "pw", replicate_method = "jk1"))
strat_clus <- svydesign(id = ~dnum, strata = ~stype, weights = ~pw, nest = TRUE,
                        data = apistrat_d)
jkn <- as.svrepdesign(strat_clus, type = "JKn")
rep_cases("apistrat_jkn", "apistrat", jkn,
          list(weight = "pw", replicate_method = "jkn", rscales = as.numeric(jkn$rscales)))
boot <- as.svrepdesign(clus1, type = "bootstrap", replicates = 50)
rep_cases("apiclus1_bootstrap", "apiclus1", boot,
          list(weight = "pw", replicate_method = "bootstrap", scale = boot$scale))
boot_mse <- as.svrepdesign(clus1, type = "bootstrap", replicates = 50, mse = TRUE)
rep_cases("apiclus1_bootstrap_mse", "apiclus1", boot_mse,
          list(weight = "pw", replicate_method = "bootstrap", scale = boot_mse$scale,
               mse = TRUE))

# JKn on NHANES (rank-deficient within domains that miss strata).
nh_jkn <- as.svrepdesign(nh, type = "JKn")
s <- list(weight = "WTMEC2YR", replicate_weights = export_reps(nh_jkn, "nhanes_jkn"),
          replicate_method = "jkn", rscales = as.numeric(nh_jkn$rscales))
run_case("nhanes_jkn.mean.hi_chol_missing.by_agecat", "nhanes", nh_jkn, s, "mean", "HI_CHOL",
         by = "agecat", repw = "nhanes_jkn")
run_case("nhanes_jkn.total.hi_chol_missing", "nhanes", nh_jkn, s, "total", "HI_CHOL",
         repw = "nhanes_jkn")
run_case("nhanes_jkn.proportion.race.by_gender", "nhanes", nh_jkn, s, "proportion", "race",
         by = "RIAGENDR", repw = "nhanes_jkn")
run_case("nhanes_jkn.quantile.race.by_agecat", "nhanes", nh_jkn, s, "quantile", "race",
         by = "agecat", repw = "nhanes_jkn")

# BRR and Fay need two PSUs per stratum: scd has them.
scd_nofpc <- svydesign(data = scd_d, prob = ~1, id = ~ambulance, strata = ~ESA, nest = TRUE)
for (spec in list(list("scd_brr_auto", as.svrepdesign(scd_nofpc, type = "BRR"),
                       list(replicate_method = "brr")),
                  list("scd_fay", as.svrepdesign(scd_nofpc, type = "Fay", fay.rho = 0.3),
                       list(replicate_method = "fay", fay_rho = 0.3)))) {
  name <- spec[[1]]
  rd <- spec[[2]]
  s <- c(list(replicate_weights = export_reps(rd, name)), spec[[3]])
  run_case(paste0(name, ".total.alive"), "scd", rd, s, "total", "alive", repw = name)
  run_case(paste0(name, ".mean.arrests"), "scd", rd, s, "mean", "arrests", repw = name)
  run_case(paste0(name, ".ratio.alive_arrests"), "scd", rd, s, "ratio", "alive",
           x = "arrests", repw = name)
}

# Successive-difference replicates (ACS-style factors 1 +- 2^-1/2 pattern), 4/R scale.
n_sdr <- 16
fac <- matrix(1, nrow(lfs_d), n_sdr)
psu_id <- as.integer(factor(paste(lfs_d$stratum, lfs_d$psu)))
for (r in seq_len(n_sdr)) {
  sgn <- ifelse(((psu_id * (r + 3)) %% 7) < 3, 1, -1)
  fac[, r] <- 1 + sgn * 0.5^0.5 * ifelse((psu_id + r) %% 2 == 0, 1, 0.5)
}
sdr <- svrepdesign(data = lfs_d, weights = ~weight, repweights = fac * lfs_d$weight,
                   type = "successive-difference", combined.weights = TRUE)
sdr_spec <- list(weight = "weight", replicate_weights = export_reps(sdr, "lfs_sdr"),
                 replicate_method = "sdr")
run_case("lfs_sdr.mean.cost_fees_missing.by_sex", "lfs", sdr, sdr_spec, "mean", "cost_fees",
         by = "sex", repw = "lfs_sdr")
run_case("lfs_sdr.ratio.fees_travel.by_destination", "lfs", sdr, sdr_spec, "ratio",
         "cost_fees", x = "cost_travel", by = "destination", repw = "lfs_sdr")
run_case("lfs_sdr.proportion.documented.by_sex", "lfs", sdr, sdr_spec, "proportion",
         "documented", by = "sex", repw = "lfs_sdr")

scd_brr_w <- 2 * cbind(c(1, 0, 1, 0, 1, 0), c(1, 0, 0, 1, 0, 1), c(0, 1, 1, 0, 0, 1),
                       c(0, 1, 0, 1, 1, 0))
scd_brr <- svrepdesign(data = scd_d, type = "BRR", repweights = scd_brr_w,
                       combined.weights = FALSE)
scd_brr_spec <- list(replicate_weights = export_reps(scd_brr, "scd_brr"),
                     replicate_method = "brr")
run_case("scd_brr.ratio.alive_arrests", "scd", scd_brr, scd_brr_spec, "ratio", "alive",
         x = "arrests", repw = "scd_brr")
run_case("scd_brr.total.alive", "scd", scd_brr, scd_brr_spec, "total", "alive",
         repw = "scd_brr")

meta <- list(
  generated_by = "tests/golden/r_survey/make_golden.R",
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  conventions = paste(
    "domain = subset(design, domain & !is.na(y) [& !is.na(x)]), full-design PSU counts kept;",
    "intervals: confint(..., df = degf(subset)) for totals, means, ratios and contrasts;",
    "svyciprop(method = logit unless stated, df = degf(subset));",
    "svyquantile(ci = TRUE) (Woodruff, interval.type = 'mean', df = degf(subset))"
  ),
  cases = cases
)
writeLines(toJSON(meta, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
           file.path(here, "cases.json"))
cat("wrote", length(cases), "cases to", file.path(here, "cases.json"), "\n")
