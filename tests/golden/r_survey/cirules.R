# Golden values for issue 14's remaining options, from R's survey package:
#   - proportion intervals of estimate(parameter="proportion", proportion_ci=...): every
#     svyciprop method by domain, svyby(~I(y == k), ~by, design, svyciprop, method=), for each
#     category k of a categorical y, on Taylor, replicate (JK1) and calibrated designs;
#   - the quantile rule qrule = "shahvaish" (whole population and by domain, Taylor,
#     replicate and calibrated designs);
#   - svychisq (every statistic) and svyttest on multistage designs with an fpc at each stage
#     (two and three stages), on PPS designs without replacement (Brewer, Overton,
#     Hartley-Rao) and on post-stratified and raked designs.
#
# Run from the repository root (installs nothing; needs R with survey and jsonlite):
#   Rscript tests/golden/r_survey/cirules.R
# writes tests/golden/r_survey/cirules.json, which tests/reference/test_r_cirules.py reads
# (the tests do not need R). The api frames are R's bundled data; the three-stage frame is
# multistage.json's "full" frame with two categorical variables drawn here
# (set.seed(20261205)); every frame is stored in the JSON.
suppressPackageStartupMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "fail", digits = 15, survey.ultimate.cluster = FALSE)
set.seed(20261205)
data(api)
data(election)

rclus1_base <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
rep_design <- as.svrepdesign(rclus1_base, type = "JK1", compress = FALSE)
repw <- as.matrix(unclass(weights(rep_design, "analysis")))
colnames(repw) <- paste0("rep", seq_len(ncol(repw)))
cats <- c("stype", "sch.wide", "awards", "comp.imp")
clus <- cbind(apiclus1[, c("dnum", "snum", "pw", "fpc", cats, "api00")], repw)
strat <- apistrat[, c("snum", "pw", "fpc", cats, "api00")]
clus2 <- apiclus2[, c("dnum", "snum", "fpc1", "fpc2", cats, "api00")]
clus2$fpc2 <- as.vector(clus2$fpc2)
for (v in cats) {
  clus[[v]] <- as.character(clus[[v]])
  strat[[v]] <- as.character(strat[[v]])
  clus2[[v]] <- as.character(clus2[[v]])
}
for (k in c("E", "H", "M")) {
  clus[[paste0("is_", k)]] <- as.numeric(clus$stype == k)
  strat[[paste0("is_", k)]] <- as.numeric(strat$stype == k)
}

dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = clus, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = strat, fpc = ~fpc)
rclus1 <- svrepdesign(data = clus, repweights = "rep[0-9]+", weights = ~pw, type = "JK1",
                      combined.weights = TRUE, scale = 14/15)
pop_types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
rk_c <- rake(dclus1, list(~stype, ~sch.wide), list(pop_types, pop_schwide))
ps_c <- postStratify(dclus1, ~sch.wide, pop_schwide)

# ------------------------------------------------------------------------------------------
# Proportion intervals: one svyciprop per category of stype, by awards and overall.
methods <- c("logit", "likelihood", "xlogit", "mean", "asin", "beta")
prop_specs <- list(
  list(name = "clus", d = dclus1, data = "apiclus1"),
  list(name = "strat", d = dstrat, data = "apistrat"),
  list(name = "rep", d = rclus1, data = "apiclus1"),
  list(name = "raked", d = rk_c, data = "apiclus1"),
  list(name = "poststratified", d = ps_c, data = "apiclus1")
)
props <- list()
for (spec in prop_specs) for (method in methods) for (level in c(0.95, 0.9)) {
  d <- spec$d
  if (level == 0.9 && !(method %in% c("beta", "asin")) ) next
  is_rep <- inherits(d, "svyrep.design")
  for (k in c("E", "H", "M")) {
    f <- as.formula(paste0("~is_", k))
    if (is_rep && method == "likelihood") {
      r <- svyciprop(f, d, method = method, level = level)
      props[[length(props) + 1]] <- list(design = spec$name, data = spec$data, y = "stype",
        category = k, method = method, level = level, r_gives_na = TRUE,
        ci = as.vector(attr(r, "ci")))
      next
    }
    # R's likelihood interval interpolates a coarse profile; where the profile has too few
    # points R stops: that case is kept out (the library solves the equation exactly).
    b <- tryCatch(svyby(f, ~awards, d, svyciprop, method = method, level = level,
                        vartype = c("se", "ci")), error = function(e) NULL)
    r <- tryCatch(svyciprop(f, d, method = method, level = level), error = function(e) NULL)
    if (is.null(b) || is.null(r)) {
      cat("R stops:", spec$name, method, k, "\n")
      next
    }
    props[[length(props) + 1]] <- list(design = spec$name, data = spec$data, y = "stype",
      category = k, by = "awards", method = method, level = level,
      keys = as.character(b$awards), value = unname(coef(b)), se = unname(SE(b)),
      ci_lower = unname(b$ci_l), ci_upper = unname(b$ci_u),
      all = list(value = as.vector(coef(r)), se = as.vector(SE(r)),
                 ci = as.vector(attr(r, "ci"))))
  }
}

# ------------------------------------------------------------------------------------------
# qrule = "shahvaish"
col <- function(b, prefix, y) unname(as.vector(b[[paste0(prefix, y)]]))
q_specs <- list(
  list(name = "clus", d = dclus1, data = "apiclus1",
       types = c("mean", "beta", "xlogit", "asin", "score")),
  list(name = "strat", d = dstrat, data = "apistrat", types = c("mean", "score")),
  list(name = "rep", d = rclus1, data = "apiclus1", types = c("mean", "quantile")),
  list(name = "raked", d = rk_c, data = "apiclus1", types = c("mean", "score"))
)
quant <- list()
for (spec in q_specs) for (type in spec$types) {
  d <- spec$d
  probs <- c(0.25, 0.5, 0.9)
  q <- svyquantile(~api00, d, probs, qrule = "shahvaish", interval.type = type)
  whole <- list(value = unname(q$api00[, 1]), ci_lower = unname(q$api00[, 2]),
                ci_upper = unname(q$api00[, 3]), se = unname(q$api00[, 4]))
  # R's score search fails in the small domains at the outer probabilities
  bprobs <- if (type == "score") c(0.25, 0.5) else probs
  qby <- if (spec$name == "strat") "awards" else "stype"
  b <- suppressWarnings(svyby(~api00, as.formula(paste0("~", qby)), d, svyquantile,
                              quantiles = bprobs, interval.type = type, qrule = "shahvaish",
                              ci = TRUE, vartype = c("se", "ci")))
  get <- function(prefix) t(sapply(bprobs, function(p) col(b, prefix, paste0("api00.", p))))
  quant[[length(quant) + 1]] <- list(design = spec$name, data = spec$data, y = "api00",
    interval_type = type, qrule = "shahvaish", probs = probs, whole = whole,
    by = qby, by_probs = bprobs, keys = as.character(b[[qby]]), value = get(""),
    se = get("se."), ci_lower = get("ci_l."), ci_upper = get("ci_u."))
}

# ------------------------------------------------------------------------------------------
# Tests of association and t tests on multistage and calibrated designs.
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = clus2)
clus2$w <- weights(dclus2)
dps2 <- postStratify(dclus2, ~stype, pop_types)

ms <- fromJSON("tests/golden/r_survey/multistage.json")$data$full
ms$inf <- NULL
# Migratory status and employment status, associated with the first-stage strata.
ms$mig <- ifelse(runif(nrow(ms)) < ifelse(ms$h == "B", 0.45, 0.25), "migrant", "native")
u <- runif(nrow(ms))
p_emp <- ifelse(ms$mig == "migrant", 0.55, 0.68)
ms$emp <- ifelse(u < p_emp, "employed", ifelse(u < p_emp + 0.12, "unemployed", "inactive"))
d3 <- svydesign(ids = ~psu + ssu + tsu, strata = ~h, fpc = ~N1 + N2p + N3, weights = ~w,
                data = ms)
d3s <- svydesign(ids = ~psu + ssu + tsu, strata = ~h + s2, fpc = ~N1 + N2 + N3, weights = ~w,
                 data = ms)
sex_tot <- data.frame(sex = c("F", "M"), Freq = c(26000, 25000))
h_tot <- data.frame(h = c("A", "B", "C"), Freq = c(21000, 22000, 8000))
d3r <- rake(d3, list(~sex, ~h), list(sex_tot, h_tot))

# PPS without replacement (first-stage variance of R's ppsvar), 40 counties of election_pps.
pps_data <- election_pps[, c("p", "Bush", "Kerry", "TotPrecincts")]
pps_data$winner <- ifelse(pps_data$Bush > pps_data$Kerry, "Bush", "Kerry")
pps_data$size <- as.character(cut(pps_data$TotPrecincts, c(0, 50, 200, Inf),
                                  labels = c("small", "medium", "large")))
psum <- sum(election$p^2) / 40
d_brewer <- svydesign(id = ~1, fpc = ~p, data = pps_data, pps = "brewer")
d_overton <- svydesign(id = ~1, fpc = ~p, data = pps_data, pps = "overton")
d_hr <- svydesign(id = ~1, fpc = ~p, data = pps_data, pps = HR(psum))

assoc_specs <- list(
  list(name = "pps_brewer", d = d_brewer, data = "election_pps",
       tables = list(c("winner", "size")), t = c("Kerry", "winner")),
  list(name = "pps_overton", d = d_overton, data = "election_pps",
       tables = list(c("winner", "size")), t = c("Kerry", "winner")),
  list(name = "pps_hartley_rao", d = d_hr, data = "election_pps",
       tables = list(c("winner", "size")), t = c("Kerry", "winner")),
  list(name = "two_stage", d = dclus2, data = "apiclus2",
       tables = list(c("sch.wide", "stype"), c("awards", "comp.imp")), t = c("api00", "sch.wide")),
  list(name = "two_stage_poststratified", d = dps2, data = "apiclus2",
       tables = list(c("sch.wide", "stype")), t = c("api00", "sch.wide")),
  list(name = "three_stage", d = d3, data = "three_stage",
       tables = list(c("mig", "emp"), c("sex", "emp")), t = c("y", "mig")),
  list(name = "three_stage_strata2", d = d3s, data = "three_stage",
       tables = list(c("mig", "emp")), t = c("y", "mig")),
  list(name = "three_stage_raked", d = d3r, data = "three_stage",
       tables = list(c("mig", "emp"), c("sex", "emp")), t = c("y", "mig")),
  list(name = "poststratified", d = ps_c, data = "apiclus1",
       tables = list(c("sch.wide", "stype"), c("awards", "stype")), t = c("api00", "sch.wide")),
  list(name = "raked", d = rk_c, data = "apiclus1",
       tables = list(c("sch.wide", "stype"), c("awards", "stype")), t = c("api00", "awards"))
)
chisqs <- list(); ttests <- list()
for (spec in assoc_specs) {
  d <- spec$d
  for (tab in spec$tables) for (stat in c("F", "Chisq", "Wald", "adjWald")) {
    ch <- svychisq(as.formula(paste0("~", tab[1], "+", tab[2])), d, statistic = stat)
    chisqs[[length(chisqs) + 1]] <- list(design = spec$name, data = spec$data, rows = tab[1],
      cols = tab[2], statistic_type = stat, statistic = unname(as.vector(ch$statistic)),
      parameter = as.list(ch$parameter), p_value = unname(as.vector(ch$p.value)))
  }
  tt <- svyttest(as.formula(paste(spec$t[1], "~", spec$t[2])), d)
  ttests[[length(ttests) + 1]] <- list(design = spec$name, data = spec$data, y = spec$t[1],
    group = spec$t[2], estimate = unname(tt$estimate), statistic = unname(tt$statistic),
    df = unname(tt$parameter), p_value = unname(tt$p.value), ci = as.vector(tt$conf.int))
}

# jsonlite keeps 15 significant digits; numbers go out with 17 (as text) so that they read
# back as R's exact doubles.
exact_columns <- function(frame) lapply(frame, function(v)
  if (is.numeric(v)) sprintf("%.17g", v) else v)

out <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  data = list(apiclus1 = exact_columns(clus), apistrat = exact_columns(strat),
              apiclus2 = exact_columns(clus2), three_stage = exact_columns(ms),
              election_pps = exact_columns(pps_data)),
  pps_psum = psum,
  margins = list(stype = pop_types, sch.wide = pop_schwide, sex = sex_tot, h = h_tot),
  ciprop = props, svyquantile = quant, svychisq = chisqs, svyttest = ttests
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null"),
           "tests/golden/r_survey/cirules.json")
