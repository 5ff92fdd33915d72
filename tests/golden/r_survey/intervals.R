# Golden values for the interval methods by domain: svyciprop (every method, the likelihood
# interval included), svyquantile (every interval type, the score type included, and some
# quantile rules) and svyvar, through svyby, from R's survey package on its bundled api and
# nhanes data; Taylor, replicate (JK1) and calibrated (raked) designs.
#
# Run from the repository root (installs nothing; needs R with survey and jsonlite):
#   Rscript tests/golden/r_survey/intervals.R
# writes tests/golden/r_survey/intervals.json, which tests/reference/test_r_intervals.py reads
# (the tests do not need R). The api frames are built as in weighting.R; nhanes is the frame
# make_golden.R writes to data/nhanes.csv.
suppressPackageStartupMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "fail", digits = 15)
data(api)
data(nhanes)

rclus1_base <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
rep_design <- as.svrepdesign(rclus1_base, type = "JK1", compress = FALSE)
repw <- as.matrix(unclass(weights(rep_design, "analysis")))
colnames(repw) <- paste0("rep", seq_len(ncol(repw)))
clus <- cbind(apiclus1[, c("cds", "dnum", "snum", "pw", "fpc", "stype", "sch.wide", "awards",
                            "api00", "enroll")], repw)
for (v in c("stype", "sch.wide", "awards")) clus[[v]] <- as.character(clus[[v]])
strat <- apistrat[, c("cds", "stype", "snum", "pw", "fpc", "sch.wide", "awards", "api00",
                      "enroll")]
for (v in c("stype", "sch.wide", "awards")) strat[[v]] <- as.character(strat[[v]])
clus$yes <- as.numeric(clus$sch.wide == "Yes")
strat$yes <- as.numeric(strat$sch.wide == "Yes")
clus$rare <- as.numeric(clus$api00 > 800)
strat$rare <- as.numeric(strat$api00 > 850)
nh <- data.frame(nhanes)
nh$agecat <- as.character(nh$agecat)

dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = clus, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = strat, fpc = ~fpc)
rclus1 <- svrepdesign(data = clus, repweights = "rep[0-9]+", weights = ~pw, type = "JK1",
                      combined.weights = TRUE, scale = 14/15)
pop_types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
rk_c <- rake(dclus1, list(~stype, ~sch.wide), list(pop_types, pop_schwide))
# The library's convention for a variable with missing values: the domain of its non-missing
# rows, keeping the full design (R: subset()).
dnh <- subset(svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE,
                        data = nh), !is.na(HI_CHOL))

taylor_c <- list(weight = "pw", psu = "dnum", fpc = "fpc")
taylor_s <- list(weight = "pw", strata = "stype", fpc = "fpc")
repl <- list(weight = "pw", replicate = "jk1")
raked <- list(weight = "pw", psu = "dnum", fpc = "fpc", rake = "stype+sch.wide")
taylor_nh <- list(weight = "WTMEC2YR", strata = "SDMVSTRA", psu = "SDMVPSU")

# The exact root of svyciprop(method = "likelihood")'s equation, from R's own GLM pieces:
# |change in deviance| / dispersion = qt^2 * (design / model-based variance of the logit),
# solved by uniroot on glm.fit's deviance with the intercept as an offset (R's svyciprop
# itself interpolates a spline through a coarse profile; see intervals.py).
# The GLM is fitted to 1e-14 here, and its model-based variance (X'WX)^-1 taken at the
# fitted values: glm's naive.cov uses the working weights of the iteration before the last,
# which moves the limits by ~1e-7.
exact_likelihood <- function(formula, design, level) {
  m <- svyglm(formula, design, family = quasibinomial,
              control = glm.control(epsilon = 1e-14, maxit = 100))
  mu <- m$fitted.values
  naive <- 1 / sum(m$prior.weights * mu * (1 - mu))
  lambda <- as.numeric(m$cov.unscaled / naive)
  phi <- as.numeric(summary(m)$dispersion)
  crit <- qt((1 - level) / 2, degf(design))^2 * lambda
  b0 <- as.numeric(coef(m)); dev0 <- deviance(m)
  y <- m$y; wts <- m$prior.weights
  f <- function(b) {
    fit <- glm.fit(x = matrix(0, length(y), 0), y = y, weights = wts, offset = rep(b, length(y)),
                   family = quasibinomial())
    (fit$deviance - dev0) / phi - crit
  }
  far <- function(sign) {
    step <- sqrt(as.numeric(m$cov.unscaled))
    while (f(b0 + sign * step) <= 0) step <- 2 * step
    b0 + sign * step
  }
  c(plogis(uniroot(f, c(far(-1), b0), tol = 1e-14)$root),
    plogis(uniroot(f, c(b0, far(1)), tol = 1e-14)$root))
}

# (y, by) pairs whose domains all have 0 < p < 1 (R's GLM-based methods fail otherwise)
api_c <- list(c("yes", "stype"), c("rare", "awards"))
specs <- list(
  list(name = "clus", d = dclus1, des = taylor_c, data = "apiclus1", yby = api_c),
  list(name = "strat", d = dstrat, des = taylor_s, data = "apistrat",
       yby = list(c("yes", "stype"), c("rare", "stype"))),
  list(name = "rep", d = rclus1, des = repl, data = "apiclus1", yby = api_c),
  list(name = "raked", d = rk_c, des = raked, data = "apiclus1", yby = api_c),
  list(name = "nhanes", d = dnh, des = taylor_nh, data = "nhanes",
       yby = list(c("HI_CHOL", "race")))
)
methods <- c("logit", "likelihood", "asin", "beta", "mean", "xlogit")
col <- function(b, prefix, y) unname(as.vector(b[[paste0(prefix, y)]]))
ciprop <- list(); quant <- list(); svar <- list()
for (spec in specs) {
  d <- spec$d
  for (yb in spec$yby) for (method in methods) for (level in c(0.95, 0.9)) {
    y <- yb[1]; by <- yb[2]
    if (level == 0.9 && !(method %in% c("likelihood", "beta"))) next
    f <- as.formula(paste0("~", y))
    byf <- as.formula(paste0("~", by))
    if (inherits(d, "svyrep.design") && method == "likelihood") {
      r <- svyciprop(f, d, method = method, level = level)
      ciprop[[length(ciprop) + 1]] <- list(design = spec$des, data = spec$data, y = y,
        method = method, level = level, ci = as.vector(attr(r, "ci")), r_gives_na = TRUE)
      next
    }
    b <- svyby(f, byf, d, svyciprop, method = method, level = level, vartype = c("se", "ci"))
    keys <- as.character(b[[by]])
    df <- sapply(keys, function(k) degf(d[as.character(d$variables[[by]]) == k, ]))
    case <- list(design = spec$des, data = spec$data, y = y, by = by, method = method,
                 level = level, keys = keys, value = unname(coef(b)), se = unname(SE(b)),
                 ci_lower = unname(b$ci_l), ci_upper = unname(b$ci_u), df = unname(df))
    if (method == "likelihood") {
      ex <- sapply(keys, function(k)
        exact_likelihood(as.formula(paste(y, "~ 1")),
                         d[as.character(d$variables[[by]]) == k, ], level))
      case$exact_lower <- unname(ex[1, ]); case$exact_upper <- unname(ex[2, ])
      r <- svyciprop(f, d, method = method, level = level)
      ex_all <- exact_likelihood(as.formula(paste(y, "~ 1")), d, level)
      case$all <- list(value = as.vector(coef(r)), se = as.vector(SE(r)),
                       ci = as.vector(attr(r, "ci")), exact = ex_all)
    }
    ciprop[[length(ciprop) + 1]] <- case
  }
  if (spec$data != "nhanes") {
    qby <- if (spec$name == "strat") "awards" else "stype"  # strat: domains across strata
    types <- if (inherits(d, "svyrep.design")) c("mean", "quantile") else
      c("mean", "beta", "xlogit", "asin", "score")
    runs <- c(lapply(types, function(t) list(type = t, rule = "math")),
              lapply(c("school", "hf4", "hf7"), function(r) list(type = "mean", rule = r)),
              if (!inherits(d, "svyrep.design")) list(list(type = "score", rule = "hf7")))
    for (run in runs) {
      # R's score search fails in the small domains at the outer probabilities (see below)
      probs <- if (run$type == "score") c(0.25, 0.5) else c(0.25, 0.5, 0.9)
      b <- suppressWarnings(svyby(~api00, as.formula(paste0("~", qby)), d, svyquantile,
                                  quantiles = probs, interval.type = run$type, qrule = run$rule,
                                  ci = TRUE, vartype = c("se", "ci")))
      keys <- as.character(b[[qby]])
      df <- sapply(keys, function(k) degf(d[as.character(d$variables[[qby]]) == k, ]))
      get <- function(prefix) t(sapply(probs, function(p) col(b, prefix, paste0("api00.", p))))
      quant[[length(quant) + 1]] <- list(design = spec$des, data = spec$data, y = "api00",
        by = qby, interval_type = run$type, qrule = run$rule, probs = probs, keys = keys,
        value = get(""), se = get("se."), ci_lower = get("ci_l."), ci_upper = get("ci_u."),
        df = unname(df))
    }
    if (spec$name == "clus") {
      # the score statistic has one sign over the whole search range: R stops
      err <- try(svyby(~api00, ~stype, d, svyquantile, quantiles = 0.9, interval.type = "score",
                       ci = TRUE), silent = TRUE)
      quant[[length(quant) + 1]] <- list(design = spec$des, data = spec$data, y = "api00",
        by = "stype", probs = 0.9, interval_type = "score", r_error = as.character(err))
    }
    if (inherits(d, "svyrep.design")) {
      err <- try(svyquantile(~api00, d, 0.5, interval.type = "score"), silent = TRUE)
      quant[[length(quant) + 1]] <- list(design = spec$des, data = spec$data, y = "api00",
        interval_type = "score", r_error = as.character(err))
    }
  }
  vy <- if (spec$data == "nhanes") "HI_CHOL" else "api00"
  vby <- if (spec$data == "nhanes") "agecat" else "stype"
  b <- svyby(as.formula(paste0("~", vy)), as.formula(paste0("~", vby)), d, svyvar)
  svar[[length(svar) + 1]] <- list(design = spec$des, data = spec$data, y = vy, by = vby,
    keys = as.character(b[[vby]]), value = unname(coef(b)), se = unname(SE(b)))
}

# jsonlite keeps 15 significant digits; the weights go out with 17 (as text) so that they
# read back as R's exact doubles: with equal weights the score interval's share (an
# unweighted k/n) meets the weighted CDF exactly, and the last bit decides the side.
exact_columns <- function(frame) lapply(frame, function(v)
  if (is.numeric(v)) sprintf("%.17g", v) else v)

out <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  data = list(apiclus1 = exact_columns(clus), apistrat = exact_columns(strat)),
  margins = list(stype = pop_types, sch.wide = pop_schwide),
  ciprop = ciprop, svyquantile = quant, svyvar = svar
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null"),
           "tests/golden/r_survey/intervals.json")
