# Golden values for calibration, svyvar, design effects, proportion intervals and tests of
# association, from R's survey package on its bundled api data.
#
# Run from the repository root (installs nothing; needs R with survey and jsonlite):
#   Rscript tests/golden/r_survey/weighting.R
# writes tests/golden/r_survey/weighting.json, which tests/reference/test_r_weighting.py reads
# (the tests do not need R).
suppressPackageStartupMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "fail", digits = 15)
data(api)
data(election)

rclus1_base <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
rep_design <- as.svrepdesign(rclus1_base, type = "JK1", compress = FALSE)
repw <- as.matrix(unclass(weights(rep_design, "analysis")))
colnames(repw) <- paste0("rep", seq_len(ncol(repw)))
clus <- cbind(apiclus1[, c("cds", "dnum", "snum", "pw", "fpc", "stype", "sch.wide", "comp.imp",
                            "awards", "api00", "api99", "enroll", "api.stu", "ell", "meals")],
              repw)
clus$stype <- as.character(clus$stype)
clus$sch.wide <- as.character(clus$sch.wide)
clus$comp.imp <- as.character(clus$comp.imp)
clus$awards <- as.character(clus$awards)
strat <- apistrat[, c("cds", "stype", "snum", "pw", "fpc", "sch.wide", "comp.imp", "awards",
                      "api00", "api99", "enroll", "api.stu", "ell", "meals")]
strat$stype <- as.character(strat$stype)
strat$sch.wide <- as.character(strat$sch.wide)
strat$comp.imp <- as.character(strat$comp.imp)
strat$awards <- as.character(strat$awards)

clus$yes <- as.numeric(clus$sch.wide == "Yes")
strat$yes <- as.numeric(strat$sch.wide == "Yes")
strat$rare <- as.numeric(strat$api00 > 850)
clus$rare <- as.numeric(clus$api00 > 800)
# weights scaled down 100-fold (as files whose weights sum to the sample size): R's grake
# rescales them by the mean ratio of its totals before the bounds apply
clus$pws <- clus$pw / 100

dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = clus, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = strat, fpc = ~fpc)
rclus1 <- svrepdesign(data = clus, repweights = "rep[0-9]+", weights = ~pw, type = "JK1",
                      combined.weights = TRUE, scale = 14/15)

pop_types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
pop_st_sw <- data.frame(stype = rep(c("E", "H", "M"), 2), sch.wide = rep(c("No", "Yes"), each = 3),
                        Freq = c(700, 200, 172, 3721, 555, 846))

# R's calibrate on a replicate design needs compress= given (its NA default fails).
cal <- function(d, ...) {
  if (inherits(d, "svyrep.design")) calibrate(d, ..., compress = FALSE) else calibrate(d, ...)
}
cases <- list()
add <- function(id, design, data, calibration, estimates, design_obj) {
  weights <- weights(design_obj, "sampling")
  cases[[length(cases) + 1]] <<- list(id = id, data = data, design = design,
                                      calibration = calibration, estimates = estimates,
                                      weights = unname(as.vector(weights)),
                                      repweights = if (inherits(design_obj, "svyrep.design"))
                                        unname(as.matrix(weights(design_obj, "analysis"))) else NULL)
}
est <- function(d) {
  out <- list()
  m <- svymean(~api00, d); out[[1]] <- list(parameter = "mean", y = "api00", value = coef(m), se = SE(m))
  t <- svytotal(~enroll, d); out[[2]] <- list(parameter = "total", y = "enroll", value = coef(t), se = SE(t))
  r <- svyratio(~api.stu, ~enroll, d)
  out[[3]] <- list(parameter = "ratio", y = "api.stu", x = "enroll", value = as.vector(coef(r)), se = as.vector(SE(r)))
  b <- svyby(~api00, ~awards, d, svymean)
  out[[4]] <- list(parameter = "mean", y = "api00", by = "awards", keys = as.character(b$awards),
                   value = unname(coef(b)), se = unname(SE(b)))
  bt <- svyby(~enroll, ~stype, d, svytotal)
  out[[5]] <- list(parameter = "total", y = "enroll", by = "stype", keys = as.character(bt$stype),
                   value = unname(coef(bt)), se = unname(SE(bt)))
  out
}
taylor_c <- list(weight = "pw", psu = "dnum", fpc = "fpc")
taylor_s <- list(weight = "pw", strata = "stype", fpc = "fpc")
repl <- list(weight = "pw", replicate = "jk1")

for (spec in list(list(name = "clus", d = dclus1, des = taylor_c, data = "apiclus1"),
                  list(name = "rep", d = rclus1, des = repl, data = "apiclus1"))) {
  d <- spec$d
  ps <- postStratify(d, ~stype, pop_types)
  add(paste0(spec$name, "_poststratify"), spec$des, spec$data,
      list(list(kind = "poststratify", margins = list(pop_types))), est(ps), ps)
  ps2 <- postStratify(d, ~stype + sch.wide, pop_st_sw)
  add(paste0(spec$name, "_poststratify2"), spec$des, spec$data,
      list(list(kind = "poststratify", margins = list(pop_st_sw))), est(ps2), ps2)
  rk <- rake(d, list(~stype, ~sch.wide), list(pop_types, pop_schwide))
  add(paste0(spec$name, "_rake"), spec$des, spec$data,
      list(list(kind = "rake", margins = list(pop_types, pop_schwide))), est(rk), rk)
  rk2 <- rake(d, list(~stype, ~sch.wide), list(pop_types, pop_schwide),
              control = list(maxit = 50, epsilon = 1e-6))
  add(paste0(spec$name, "_rake_tight"), spec$des, spec$data,
      list(list(kind = "rake", margins = list(pop_types, pop_schwide), maxit = 50, epsilon = 1e-6)),
      est(rk2), rk2)
  pop_lin <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)
  cl <- cal(d, ~stype + api99, pop_lin)
  calib <- list(kind = "calibrate", margins = list(pop_types), totals = list(api99 = 3914069))
  add(paste0(spec$name, "_linear"), spec$des, spec$data, list(calib), est(cl), cl)
  clb <- cal(d, ~stype + api99, pop_lin, bounds = c(0.45, 2.2))
  add(paste0(spec$name, "_linear_bounded"), spec$des, spec$data,
      list(modifyList(calib, list(bounds = c(0.45, 2.2)))), est(clb), clb)
  cr <- cal(d, ~stype + api99, pop_lin, calfun = "raking")
  add(paste0(spec$name, "_raking"), spec$des, spec$data,
      list(modifyList(calib, list(calfun = "raking"))), est(cr), cr)
  clg <- cal(d, ~stype + api99, pop_lin, calfun = "logit", bounds = c(0.5, 2.5))
  add(paste0(spec$name, "_logit"), spec$des, spec$data,
      list(modifyList(calib, list(calfun = "logit", bounds = c(0.5, 2.5)))), est(clg), clg)
  # (R ignores trim= for calfun="linear" without bounds, which goes to regcalibrate; the
  # library trims there too, so the golden case uses the raking function.)
  ct <- suppressMessages(cal(d, ~stype + api99, pop_lin, calfun = "raking", trim = c(0.6, 1.6)))
  add(paste0(spec$name, "_trim"), spec$des, spec$data,
      list(modifyList(calib, list(calfun = "raking", trim = c(0.6, 1.6)))), est(ct), ct)
  cm <- cal(d, list(~stype, ~sch.wide), list(pop_types, pop_schwide))
  add(paste0(spec$name, "_margins"), spec$des, spec$data,
      list(list(kind = "calibrate", margins = list(pop_types, pop_schwide))), est(cm), cm)
  # two steps: rake, then a linear calibration to api99 and the population size
  two <- cal(rk, ~api99, c(`(Intercept)` = 6194, api99 = 3914069))
  add(paste0(spec$name, "_rake_then_linear"), spec$des, spec$data,
      list(list(kind = "rake", margins = list(pop_types, pop_schwide)),
           list(kind = "calibrate", margins = list(), population = 6194,
                totals = list(api99 = 3914069))), est(two), two)
}
# stratified design (strata = stype) calibrated on another variable
sc <- calibrate(dstrat, ~sch.wide + api99, c(`(Intercept)` = 6194, sch.wideYes = 5122, api99 = 3914069))
add("strat_linear", taylor_s, "apistrat",
    list(list(kind = "calibrate", margins = list(pop_schwide), totals = list(api99 = 3914069))),
    est(sc), sc)
# bounds on the calibrated weights themselves (bounds.const), Taylor design: R's replicate
# calibrate ignores bounds.const, so no replicate case
pop_lin <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)
cbc <- calibrate(dclus1, ~stype + api99, pop_lin, bounds = c(15, 55), bounds.const = TRUE)
add("clus_bounds_const", taylor_c, "apiclus1",
    list(list(kind = "calibrate", margins = list(pop_types), totals = list(api99 = 3914069),
              bounds = c(15, 55), bounds_const = TRUE)), est(cbc), cbc)
# weights far below the totals: grake's rescaling, then the bounds (R warns)
dsmall <- svydesign(id = ~dnum, weights = ~pws, data = clus, fpc = ~fpc)
taylor_small <- list(weight = "pws", psu = "dnum", fpc = "fpc")
csl <- suppressWarnings(calibrate(dsmall, ~stype + api99, pop_lin, bounds = c(0.5, 2)))
add("small_linear_bounded", taylor_small, "apiclus1",
    list(list(kind = "calibrate", margins = list(pop_types), totals = list(api99 = 3914069),
              bounds = c(0.5, 2))), est(csl), csl)
csg <- suppressWarnings(calibrate(dsmall, list(~stype, ~sch.wide), list(pop_types, pop_schwide),
                                  calfun = "logit", bounds = c(0.4, 2.5)))
add("small_logit_margins", taylor_small, "apiclus1",
    list(list(kind = "calibrate", margins = list(pop_types, pop_schwide), calfun = "logit",
              bounds = c(0.4, 2.5))), est(csg), csg)
csj <- suppressWarnings(calibrate(dsmall, list(~stype + sch.wide), list(pop_st_sw),
                                  bounds = c(0.4, 2.5)))
add("small_joint_bounded", taylor_small, "apiclus1",
    list(list(kind = "calibrate", margins = list(pop_st_sw), bounds = c(0.4, 2.5))), est(csj), csj)
spsw <- postStratify(dstrat, ~sch.wide, pop_schwide)
add("strat_poststratify", taylor_s, "apistrat",
    list(list(kind = "poststratify", margins = list(pop_schwide))), est(spsw), spsw)

# ------------------------------------------------------------------------------------------
# Proportion intervals (svyciprop), svyvar, design effects, t tests, tests of association,
# quantiles (svyquantile interval types and rules)
designs <- list(list(d = dclus1, des = taylor_c, data = "apiclus1"),
                list(d = dstrat, des = taylor_s, data = "apistrat"),
                list(d = rclus1, des = repl, data = "apiclus1"))
props <- list(); vars <- list(); deffs <- list(); ttests <- list(); chisqs <- list(); quants <- list()
for (spec in designs) {
  d <- spec$d
  for (y in c("yes", "rare")) for (method in c("logit", "likelihood", "asin", "beta", "mean", "xlogit"))
    for (level in c(0.95, 0.9)) {
      r <- svyciprop(as.formula(paste0("~", y)), d, method = method, level = level)
      props[[length(props) + 1]] <- list(design = spec$des, data = spec$data, y = y, method = method,
        level = level, value = as.vector(coef(r)), se = as.vector(SE(r)), ci = as.vector(attr(r, "ci")),
        df = degf(d))
    }
  v <- svyvar(~api00, d)
  vars[[length(vars) + 1]] <- list(design = spec$des, data = spec$data, y = "api00",
                                   value = as.vector(coef(v)), se = as.vector(SE(v)))
  for (type in c("mean", "total")) {
    f <- if (type == "mean") svymean else svytotal
    y <- if (type == "mean") "api00" else "enroll"
    a <- f(as.formula(paste0("~", y)), d, deff = TRUE)
    b <- f(as.formula(paste0("~", y)), d, deff = "replace")
    deffs[[length(deffs) + 1]] <- list(design = spec$des, data = spec$data, parameter = type, y = y,
      deff = as.vector(deff(a)), deff_replace = as.vector(deff(b)))
  }
  tt <- svyttest(api00 ~ sch.wide, d)
  ttests[[length(ttests) + 1]] <- list(design = spec$des, data = spec$data, y = "api00",
    group = "sch.wide", statistic = unname(tt$statistic), df = unname(tt$parameter),
    p_value = unname(tt$p.value), estimate = unname(tt$estimate), ci = as.vector(tt$conf.int))
  for (stat in c("F", "Chisq", "Wald", "adjWald")) {
    ch <- svychisq(~sch.wide + stype, d, statistic = stat)
    chisqs[[length(chisqs) + 1]] <- list(design = spec$des, data = spec$data, rows = "sch.wide",
      cols = "stype", statistic_type = stat, statistic = unname(ch$statistic),
      parameter = as.list(ch$parameter), p_value = unname(ch$p.value))
  }
  types <- if (inherits(d, "svyrep.design")) c("mean", "beta", "xlogit", "asin", "quantile") else
    c("mean", "beta", "xlogit", "asin", "score")
  for (type in types) {
    q <- svyquantile(~api00, d, c(0.25, 0.5, 0.9), interval.type = type)
    quants[[length(quants) + 1]] <- list(design = spec$des, data = spec$data, y = "api00",
      interval_type = type, qrule = "math", probs = c(0.25, 0.5, 0.9),
      value = unname(q$api00[, 1]), ci_lower = unname(q$api00[, 2]), ci_upper = unname(q$api00[, 3]),
      se = unname(q$api00[, 4]))
  }
  for (rule in c("school", "hf1", "hf2", "hf3", "hf4", "hf5", "hf6", "hf7", "hf8", "hf9")) {
    q <- svyquantile(~api00, d, c(0.25, 0.5, 0.9), qrule = rule)
    quants[[length(quants) + 1]] <- list(design = spec$des, data = spec$data, y = "api00",
      interval_type = "mean", qrule = rule, probs = c(0.25, 0.5, 0.9),
      value = unname(q$api00[, 1]), ci_lower = unname(q$api00[, 2]), ci_upper = unname(q$api00[, 3]),
      se = unname(q$api00[, 4]))
  }
}

# ------------------------------------------------------------------------------------------
# Multistage (fpc at each stage) and PPS without replacement
clus2 <- apiclus2[, c("cds", "dnum", "snum", "fpc1", "fpc2", "pw", "stype", "api00", "api99", "meals")]
clus2$fpc2 <- as.vector(clus2$fpc2)
clus2$stype <- as.character(clus2$stype)
multi <- list()
for (uc in c(FALSE, TRUE)) {
  options(survey.ultimate.cluster = uc)
  dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = clus2)
  m <- svymean(~api00, dclus2); t <- svytotal(~api00, dclus2); r <- svyratio(~api00, ~api99, dclus2)
  b <- svyby(~api00, ~stype, dclus2, svymean)
  multi[[length(multi) + 1]] <- list(ultimate_cluster = uc, mean = c(coef(m), SE(m)),
    total = c(coef(t), SE(t)), ratio = c(as.vector(coef(r)), as.vector(SE(r))),
    by_keys = as.character(b$stype), by_value = unname(coef(b)), by_se = unname(SE(b)))
}
options(survey.ultimate.cluster = FALSE)
# A calibrated two-stage design: post-stratified on school type.
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = clus2)
pop_types2 <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
dps2 <- postStratify(dclus2, ~stype, pop_types2)
m <- svymean(~api00, dps2)
multi_cal <- list(value = unname(coef(m)), se = unname(SE(m)))
# A difference of domain means on the two-stage design (R: svyttest's estimate and SE).
tt2 <- svyttest(api00 ~ stype, subset(dclus2, stype != "M"))
multi_diff <- list(estimate = unname(tt2$estimate), se = unname(tt2$estimate / tt2$statistic))
b2 <- svyby(~api00, ~stype, dclus2, svymean, covmat = TRUE)
ct <- svycontrast(b2, c(E = -1, H = 1, M = 0))
multi_diff$contrast <- c(unname(coef(ct)), unname(SE(ct)))

pps_data <- election_pps[, c("p", "Bush", "Kerry", "TotPrecincts")]
pps <- list()
psum <- sum(election$p^2) / 40
for (method in c("brewer", "overton", "HR", "HR1")) {
  d <- switch(method,
    brewer = svydesign(id = ~1, fpc = ~p, data = pps_data, pps = "brewer"),
    overton = svydesign(id = ~1, fpc = ~p, data = pps_data, pps = "overton"),
    HR = svydesign(id = ~1, fpc = ~p, data = pps_data, pps = HR(psum)),
    HR1 = svydesign(id = ~1, fpc = ~p, data = pps_data, pps = HR()))
  t <- svytotal(~Bush, d); m <- svymean(~Kerry, d); r <- svyratio(~Bush, ~Kerry, d)
  pps[[length(pps) + 1]] <- list(method = method, psum = if (method == "HR") psum else NULL,
    total = c(coef(t), SE(t)), mean = c(coef(m), SE(m)),
    ratio = c(as.vector(coef(r)), as.vector(SE(r))))
}

# ------------------------------------------------------------------------------------------
# The calibrated design everywhere: intervals, quantiles, svyvar, tests on a raked design
rk_c <- rake(dclus1, list(~stype, ~sch.wide), list(pop_types, pop_schwide))
on_cal <- list(
  ciprop = lapply(c("logit", "beta", "asin"), function(m) {
    r <- svyciprop(~rare, rk_c, method = m)
    list(method = m, value = as.vector(coef(r)), se = as.vector(SE(r)), ci = as.vector(attr(r, "ci")))
  }),
  quantile = {
    q <- svyquantile(~api00, rk_c, c(0.25, 0.5, 0.9))
    list(value = unname(q$api00[, 1]), ci_lower = unname(q$api00[, 2]), ci_upper = unname(q$api00[, 3]),
         se = unname(q$api00[, 4]))
  },
  svyvar = { v <- svyvar(~api00, rk_c); list(value = as.vector(coef(v)), se = as.vector(SE(v))) },
  svyttest = { tt <- svyttest(api00 ~ comp.imp, rk_c)
    list(statistic = unname(tt$statistic), p_value = unname(tt$p.value), estimate = unname(tt$estimate)) },
  svychisq = lapply(c("F", "Chisq", "Wald"), function(st) {
    ch <- svychisq(~comp.imp + awards, rk_c, statistic = st)
    list(statistic_type = st, statistic = unname(as.vector(ch$statistic)),
         parameter = as.list(ch$parameter), p_value = unname(as.vector(ch$p.value)))
  })
)

out <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  data = list(apiclus1 = clus, apistrat = strat, apiclus2 = clus2, election_pps = pps_data),
  multistage = multi, multistage_calibrated = multi_cal, multistage_difference = multi_diff, pps = pps, on_calibrated = on_cal,
  calibration = cases,
  ciprop = props, svyvar = vars, deff = deffs, svyttest = ttests, svychisq = chisqs,
  svyquantile = quants
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null"),
           "tests/golden/r_survey/weighting.json")
