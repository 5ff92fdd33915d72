# Golden values for the reliability measures of issue 16 (Korn-Graubard interval, design
# effect, effective sample size), computed with R `survey`.
#
# Run from the repository root:  Rscript tests/golden/r_survey/quality.R
# It writes tests/golden/r_survey/quality.json (data and R's figures); the tests read only
# the JSON. R 4.2, survey 4.1.1, jsonlite.
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(survey.lonely.psu = "certainty")
set.seed(20261204)

# A census-like sample: households (PSUs) in strata, one weight per household; persons
# foreign-born (country_of_birth != "KEN") with a household-level propensity, and a rarer
# outcome to give an asymmetric Korn-Graubard interval.
households <- 240
size <- sample(1:6, households, replace = TRUE)
hh <- rep(seq_len(households), size)
stratum <- rep(sample(1:6, households, replace = TRUE), size)
weight <- rep(round(runif(households, 5, 25), 3), size)
n <- length(hh)
origin <- rep(sample(c("KEN", "UGA", "SOM"), households, replace = TRUE,
                     prob = c(0.8, 0.15, 0.05)), size)
sex <- sample(c("F", "M"), n, replace = TRUE)
rare <- as.numeric(runif(n) < 0.03 + 0.04 * (origin != "KEN"))
data <- data.frame(
  ref_area = "KEN", time_period = 2019L, household = hh, strata = stratum,
  weight = weight, sex = sex, age = sample(0:89, n, replace = TRUE),
  country_of_birth = origin, rare = rare
)
data$migrant <- as.numeric(data$country_of_birth != "KEN")

des <- svydesign(ids = ~household, strata = ~strata, weights = ~weight, data = data,
                 nest = TRUE)

kg <- function(formula, design, level) {
  ci <- svyciprop(formula, design, method = "beta", level = level)
  list(value = as.numeric(unclass(ci))[1], se = as.numeric(sqrt(attr(ci, "var")))[1],
       ci_lower = as.numeric(attr(ci, "ci")[1]), ci_upper = as.numeric(attr(ci, "ci")[2]),
       n = nrow(design), df = degf(design), level = level)
}

cases <- list()
for (y in c("migrant", "rare")) {
  f <- as.formula(paste0("~I(", y, " == 1)"))
  for (level in c(0.95, 0.90)) {
    cases[[length(cases) + 1]] <- c(list(y = y, domain = "all"), kg(f, des, level))
  }
  for (s in c("F", "M")) {
    sub <- subset(des, sex == s)
    cases[[length(cases) + 1]] <- c(list(y = y, domain = s), kg(f, sub, 0.95))
  }
}

deff_case <- function(stat, y, deff, by = NULL) {
  f <- as.formula(paste0("~", y))
  if (is.null(by)) {
    est <- if (stat == "mean") svymean(f, des, deff = deff) else svytotal(f, des, deff = deff)
    return(list(list(stat = stat, y = y, deff_kind = as.character(deff), domain = "all",
                     value = as.numeric(coef(est)), se = as.numeric(SE(est)),
                     deff = as.numeric(deff(est)))))
  }
  fun <- if (stat == "mean") svymean else svytotal
  est <- svyby(f, as.formula(paste0("~", by)), des, fun, deff = deff)
  lapply(seq_len(nrow(est)), function(i) {
    list(stat = stat, y = y, deff_kind = as.character(deff), domain = as.character(est[i, by]),
         value = as.numeric(coef(est)[i]), se = as.numeric(SE(est)[i]), deff = as.numeric(deff(est)[i]))
  })
}
deffs <- c(
  deff_case("mean", "migrant", TRUE), deff_case("mean", "migrant", "replace"),
  deff_case("total", "migrant", TRUE), deff_case("total", "migrant", "replace"),
  deff_case("mean", "migrant", TRUE, by = "sex"), deff_case("total", "migrant", TRUE, by = "sex")
)

out <- list(
  generated_by = "tests/golden/r_survey/quality.R",
  r_version = paste(R.version$major, R.version$minor, sep = "."),
  survey_version = as.character(packageVersion("survey")),
  design = "svydesign(ids=~household, strata=~strata, weights=~weight, nest=TRUE); lonely.psu=certainty",
  design_df = degf(des),
  data = data,
  korn_graubard = cases,
  deff = deffs
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, dataframe = "columns", pretty = FALSE),
           "tests/golden/r_survey/quality.json")
