# Golden values for the census-based stock indicators other than the migrant stock on a
# calibrated design (issue 14): the share of migrants in the population, the female share
# and sex ratio of migrants, the stock by origin and the recent migrants.
#
# The same extract, design and population totals as census_calibration.R:
# svydesign(ids=~household, strata=~strata, weights=~weight, nest=TRUE) (households as PSUs
# within strata, with replacement, lonely PSUs "certainty"), calibrated by postStratify,
# rake or calibrate (linear, with and without bounds). A second design has 8 delete-a-group
# jackknife replicate weights (group = household %% 8, JK1, centred on the full-sample
# estimate: mse=TRUE), calibrated the same ways (R recalibrates every replicate).
#
# R's definitions of each indicator:
#   share of population  svyby(~migrant, ~sex+region, denominator=~known, FUN=svyratio)
#                        (known = place of birth stated; x 100 in the library)
#   female share         svyratio(~female_migrant, ~migrant), by region as svyby
#   sex ratio            svyratio(~male_migrant, ~female_migrant), by region as svyby
#   stock by origin      svytotal of one 0/1 variable per country of birth of migrants
#   recent migrants      svyby(~recent, ~sex, svytotal), recent = migrant arrived in
#                        2005..2009 (census year - year of arrival in [0, 5))
#
# Run from the repository root (installs nothing; needs R with survey and jsonlite):
#   PYTHONPATH=src python tests/golden/r_survey/export_census_fixture.py
#   Rscript tests/golden/r_survey/census_calibration_ratios.R
# writes tests/golden/r_survey/census_calibration_ratios.json, which
# tests/reference/test_r_census_calibration_ratios.py reads (the tests do not need R).
suppressPackageStartupMessages({library(survey); library(jsonlite)})
options(digits = 15, survey.lonely.psu = "certainty")

ext <- read.csv("tests/golden/r_survey/data/census_extract.csv", stringsAsFactors = FALSE,
                na.strings = "")
ext$known <- as.numeric(!is.na(ext$country_of_birth))
ext$female_migrant <- ext$migrant * (ext$sex == "F")
ext$male_migrant <- ext$migrant * (ext$sex == "M")
lag <- ext$time_period - ext$year_of_arrival
ext$recent <- as.numeric(ext$migrant == 1 & !is.na(lag) & lag >= 0 & lag < 5)
origins <- sort(unique(ext$country_of_birth[ext$migrant == 1]))
for (o in origins) ext[[paste0("mig_", o)]] <- as.numeric(ext$migrant == 1 &
                                                             ext$country_of_birth %in% o)
reps <- paste0("rep", 0:7)
group <- ext$household %% 8
for (r in 0:7) ext[[reps[r + 1]]] <- ifelse(group == r, 0, ext$weight * 8 / 7)

des <- svydesign(ids = ~household, strata = ~strata, weights = ~weight, nest = TRUE, data = ext)
rdes <- svrepdesign(data = ext, repweights = ext[, reps], weights = ~weight, type = "JK1",
                    scale = 7 / 8, mse = TRUE, combined.weights = TRUE)

# Population totals as census_calibration.R: the weighted sample by sex x age group x region,
# scaled by a factor per sex and region.
joint <- aggregate(weight ~ sex + age_group + region, data = ext, FUN = sum)
factor <- c(F.R1 = 1.10, F.R2 = 0.93, F.R3 = 1.04, F.R4 = 0.97,
            M.R1 = 1.02, M.R2 = 1.08, M.R3 = 0.91, M.R4 = 1.05)
joint$Freq <- joint$weight * factor[paste(joint$sex, joint$region, sep = ".")]
joint$weight <- NULL
margin <- function(vars) {
  aggregate(as.formula(paste("Freq ~", paste(vars, collapse = "+"))), data = joint, FUN = sum)
}
pop_sex_region <- margin(c("sex", "region"))
pop_sex <- margin("sex"); pop_age <- margin("age_group"); pop_region <- margin("region")
greg_population <- function() {
  total <- sum(joint$Freq)
  pick <- function(m, var) {
    m <- m[order(m[[var]]), ]
    setNames(m$Freq[-1], paste0(var, m[[var]][-1]))
  }
  c(`(Intercept)` = total, pick(pop_sex, "sex"), pick(pop_age, "age_group"),
    pick(pop_region, "region"))
}

by_ratio <- function(num, den, by, d) {
  b <- svyby(as.formula(paste0("~", num)), as.formula(paste0("~", by)), d,
             denominator = as.formula(paste0("~", den)), FUN = svyratio)
  keys <- lapply(strsplit(by, "+", fixed = TRUE)[[1]], function(k) as.character(b[[k]]))
  names(keys) <- strsplit(by, "+", fixed = TRUE)[[1]]
  c(keys, list(value = unname(coef(b)), se = unname(SE(b))))
}
all_ratio <- function(num, den, d) {
  r <- svyratio(as.formula(paste0("~", num)), as.formula(paste0("~", den)), d)
  c(unname(coef(r)), unname(SE(r)))
}

figures <- function(d) {
  t_origin <- svytotal(as.formula(paste("~", paste0("mig_", origins, collapse = "+"))), d)
  b_recent <- svyby(~recent, ~sex, d, svytotal)
  t_recent <- svytotal(~recent, d)
  list(
    share = by_ratio("migrant", "known", "sex+region", d),
    share_total = all_ratio("migrant", "known", d),
    female_share = by_ratio("female_migrant", "migrant", "region", d),
    female_share_total = all_ratio("female_migrant", "migrant", d),
    sex_ratio = by_ratio("male_migrant", "female_migrant", "region", d),
    sex_ratio_total = all_ratio("male_migrant", "female_migrant", d),
    origin = list(origin = origins, value = unname(coef(t_origin)),
                  se = unname(SE(t_origin))),
    recent = list(sex = as.character(b_recent$sex), value = unname(coef(b_recent)),
                  se = unname(SE(b_recent))),
    recent_total = c(unname(coef(t_recent)), unname(SE(t_recent)))
  )
}

# compress = FALSE: calibrate() on an svrepdesign with uncompressed replicate weights fails
# in survey 4.1.1 with its default compress = NA (an if() on NA); the survey design objects
# ignore the argument.
calibrations <- function(d, suffix, bounded = TRUE) {
  out <- list(
    c(list(id = paste0("poststratify_sex_region", suffix), kind = "poststratify"),
      figures(postStratify(d, ~sex + region, pop_sex_region))),
    c(list(id = paste0("rake_sex_age_region", suffix), kind = "rake", maxit = 50,
           epsilon = 1e-9),
      figures(rake(d, list(~sex, ~age_group, ~region), list(pop_sex, pop_age, pop_region),
                   control = list(maxit = 50, epsilon = 1e-9)))),
    c(list(id = paste0("greg_sex_age_region", suffix), kind = "calibrate", calfun = "linear"),
      figures(calibrate(d, ~sex + age_group + region, greg_population(), compress = FALSE)))
  )
  if (bounded) {
    out <- c(out, list(
      c(list(id = paste0("greg_bounded_sex_age_region", suffix), kind = "calibrate",
             calfun = "linear", bounds = c(0.97, 1.07)),
        figures(calibrate(d, ~sex + age_group + region, greg_population(),
                          bounds = c(0.97, 1.07), compress = FALSE)))))
  }
  out
}

# The bounded calibration is left out of the replicate design: R's bounded calibrate of the
# replicates does not converge within its 50 iterations (bounds 0.97..1.07 around weights
# that drop a group to 0 and scale the rest by 8/7), so it has no golden figure to match.
cases <- c(
  list(c(list(id = "uncalibrated", kind = "none"), figures(des))),
  calibrations(des, ""),
  list(c(list(id = "uncalibrated_jk1", kind = "none"), figures(rdes))),
  calibrations(rdes, "_jk1", bounded = FALSE)
)

out <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  replicate_weights = list(groups = 8, rule = "household %% 8 == r gets 0, others weight*8/7",
                           type = "JK1", scale = 7 / 8, mse = TRUE),
  cases = cases
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null"),
           "tests/golden/r_survey/census_calibration_ratios.json")
