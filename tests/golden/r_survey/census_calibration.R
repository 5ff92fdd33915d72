# Golden values for the census pass on a calibrated design (issue 14): the migrant stock of
# a census sample calibrated to population totals by sex, age group and region.
#
# R: svydesign(ids=~household, strata=~strata, weights=~weight, nest=TRUE) on the census
# extract (households as PSUs within strata, with replacement, lonely PSUs "certainty": the
# census pass's design), calibrated by postStratify, rake or calibrate, then
# svyby(~migrant, ~sex+age_group, svytotal) and svytotal(~migrant).
#
# Run from the repository root (installs nothing; needs R with survey and jsonlite):
#   PYTHONPATH=src python tests/golden/r_survey/export_census_fixture.py
#   Rscript tests/golden/r_survey/census_calibration.R
# writes tests/golden/r_survey/census_calibration.json, which
# tests/reference/test_r_census_calibration.py reads (the tests do not need R).
suppressPackageStartupMessages({library(survey); library(jsonlite)})
options(digits = 15, survey.lonely.psu = "certainty")

ext <- read.csv("tests/golden/r_survey/data/census_extract.csv", stringsAsFactors = FALSE,
                na.strings = "")
des <- svydesign(ids = ~household, strata = ~strata, weights = ~weight, nest = TRUE, data = ext)

# Population totals: the weighted sample by sex x age group x region, scaled by a factor per
# sex and region (so that every calibration moves the weights).
joint <- aggregate(weight ~ sex + age_group + region, data = ext, FUN = sum)
factor <- c(F.R1 = 1.10, F.R2 = 0.93, F.R3 = 1.04, F.R4 = 0.97,
            M.R1 = 1.02, M.R2 = 1.08, M.R3 = 0.91, M.R4 = 1.05)
joint$Freq <- joint$weight * factor[paste(joint$sex, joint$region, sep = ".")]
joint$weight <- NULL
margin <- function(vars) {
  out <- aggregate(as.formula(paste("Freq ~", paste(vars, collapse = "+"))), data = joint, FUN = sum)
  out
}
pop_sex_region <- margin(c("sex", "region"))
pop_sex <- margin("sex"); pop_age <- margin("age_group"); pop_region <- margin("region")

# R's calibrate takes the totals of the model matrix columns: intercept, then every level
# of each factor but the first (levels in sorted order, as R's factor()).
greg_population <- function() {
  total <- sum(joint$Freq)
  pick <- function(m, var) {
    m <- m[order(m[[var]]), ]
    setNames(m$Freq[-1], paste0(var, m[[var]][-1]))
  }
  c(`(Intercept)` = total, pick(pop_sex, "sex"), pick(pop_age, "age_group"),
    pick(pop_region, "region"))
}

figures <- function(d) {
  b <- svyby(~migrant, ~sex + age_group, d, svytotal)
  t <- svytotal(~migrant, d)
  list(weights = unname(as.vector(weights(d))),
       by_sex = as.character(b$sex), by_age_group = as.character(b$age_group),
       by_value = unname(coef(b)), by_se = unname(SE(b)),
       total = c(unname(coef(t)), unname(SE(t))))
}

cases <- list(
  c(list(id = "uncalibrated", kind = "none"), figures(des)),
  c(list(id = "poststratify_sex_region", kind = "poststratify"),
    figures(postStratify(des, ~sex + region, pop_sex_region))),
  c(list(id = "rake_sex_age_region", kind = "rake", maxit = 50, epsilon = 1e-9),
    figures(rake(des, list(~sex, ~age_group, ~region), list(pop_sex, pop_age, pop_region),
                 control = list(maxit = 50, epsilon = 1e-9)))),
  c(list(id = "greg_sex_age_region", kind = "calibrate", calfun = "linear"),
    figures(calibrate(des, ~sex + age_group + region, greg_population()))),
  c(list(id = "greg_bounded_sex_age_region", kind = "calibrate", calfun = "linear",
         bounds = c(0.97, 1.07)),
    figures(calibrate(des, ~sex + age_group + region, greg_population(),
                      bounds = c(0.97, 1.07))))
)

out <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  margins = list(sex_region = pop_sex_region, sex = pop_sex, age_group = pop_age,
                 region = pop_region),
  cases = cases
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null"),
           "tests/golden/r_survey/census_calibration.json")
