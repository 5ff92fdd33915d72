# Golden values for multistage designs of more than two stages (issue 14), from R's survey:
# svydesign(ids=~psu+ssu+tsu, strata=~h(+s2), fpc=~N1+N2+N3) with R's default full multistage
# variance (options(survey.ultimate.cluster=FALSE)): certainty PSUs, strata at stage 2, a
# stage without fpc (Inf), fpc as sampling fractions, lonely units at stage 3, four stages, a
# calibrated three-stage design.
#
# Run from the repository root (installs nothing; needs R with survey and jsonlite):
#   Rscript tests/golden/r_survey/multistage.R
# writes tests/golden/r_survey/multistage.json, which tests/reference/test_r_multistage.py
# reads (the tests do not need R). The data are drawn here with set.seed(20261205) and
# stored in the JSON.
suppressPackageStartupMessages({library(survey); library(jsonlite)})
options(digits = 15, survey.ultimate.cluster = FALSE)
set.seed(20261205)

# Stage 1: strata A (4 of 20 PSUs), B (3 of 10), C (2 of 2: certainty).
# Stage 2: within each PSU, SSUs in two strata (u: 2 or 3 of 6, r: 2 of 5).
# Stage 3: within each SSU, 2 to 4 of 8 tertiary units; 1 to 3 persons in each.
rows <- list()
strata1 <- list(A = c(n = 4, N = 20), B = c(n = 3, N = 10), C = c(n = 2, N = 2))
psu_id <- 0
for (h in names(strata1)) {
  for (p in seq_len(strata1[[h]][["n"]])) {
    psu_id <- psu_id + 1
    ssu_id <- 0
    for (s2 in c("u", "r")) {
      m <- if (s2 == "u") sample(2:3, 1) else 2
      big_m <- if (s2 == "u") 6 else 5
      for (s in seq_len(m)) {
        ssu_id <- ssu_id + 1
        k <- sample(2:4, 1)
        for (t in seq_len(k)) {
          persons <- sample(1:3, 1)
          for (i in seq_len(persons)) {
            rows[[length(rows) + 1]] <- data.frame(
              h = h, psu = psu_id, s2 = s2, ssu = ssu_id, tsu = t, person = i,
              N1 = strata1[[h]][["N"]], N2 = big_m, N3 = 8,
              n1 = strata1[[h]][["n"]], n2 = m, n3 = k,
              sex = sample(c("F", "M"), 1),
              y = round(rnorm(1, 50 + 10 * (h == "B") + 5 * (s2 == "r"), 12), 2),
              x = round(rgamma(1, shape = 4, rate = 0.1), 2))
          }
        }
      }
    }
  }
}
d <- do.call(rbind, rows)
d$w <- (d$N1 / d$n1) * (d$N2 / d$n2) * (d$N3 / d$n3)
d$inf <- Inf
d$f1 <- d$n1 / d$N1
# Without strata at stage 2 the SSU population of a PSU is 6 + 5 = 11 (the stratified
# cases use N2, per stage-2 stratum).
d$N2p <- 11
d$f2 <- ave(d$ssu, d$psu, FUN = function(v) length(unique(v))) / d$N2p
d$f3 <- d$n3 / d$N3
d$n1 <- NULL; d$n2 <- NULL; d$n3 <- NULL
# A fourth stage: the persons of a tertiary unit, 1 to 3 sampled of 5 (the weights stay
# those of three stages: R takes the weights given).
d$N4 <- 5

figures <- function(des) {
  t <- svytotal(~y, des); m <- svymean(~y, des); r <- svyratio(~y, ~x, des)
  bt <- svyby(~y, ~sex, des, svytotal); bm <- svyby(~y, ~sex, des, svymean)
  # The difference of the domain means F - M, covariance included (svycontrast).
  # (R's svyby(covmat=TRUE) stops where the variance is NaN: no figure then.)
  difference <- tryCatch({
    bc <- svyby(~y, ~sex, des, svymean, covmat = TRUE)
    ct <- svycontrast(bc, c(F = 1, M = -1))
    c(unname(coef(ct)), unname(SE(ct)))
  }, error = function(e) NULL)
  list(difference = difference,
       total = c(unname(coef(t)), unname(SE(t))), mean = c(unname(coef(m)), unname(SE(m))),
       ratio = c(as.vector(coef(r)), as.vector(SE(r))),
       by_keys = as.character(bt$sex),
       by_total = unname(coef(bt)), by_total_se = unname(SE(bt)),
       by_mean = unname(coef(bm)), by_mean_se = unname(SE(bm)))
}

cases <- list()
add <- function(id, design, data, des, lonely = "fail", note = "") {
  out <- figures(des)
  cases[[length(cases) + 1]] <<- c(list(id = id, design = design, data = data,
                                        lonely_psu = lonely, note = note), out)
}
ms <- function(data, fpc, strata = ~h, lonely = "fail") {
  options(survey.lonely.psu = lonely)
  svydesign(ids = ~psu + ssu + tsu, strata = strata, fpc = fpc, weights = ~w, data = data)
}

add("three_stage_fpc", list(strata = "h", psu = "psu", fpc = "N1", ssu = c("ssu", "tsu"),
                            fpc2 = c("N2p", "N3")),
    "full", ms(d, ~N1 + N2p + N3), note = "fpc at every stage; stratum C a certainty stratum")
add("three_stage_stage2_strata", list(strata = "h", psu = "psu", fpc = "N1", ssu = c("ssu", "tsu"),
                                      fpc2 = c("N2", "N3"), strata2 = list("s2", NULL)),
    "full", ms(d, ~N1 + N2 + N3, strata = ~h + s2), note = "strata=~h+s2")
add("three_stage_no_fpc3", list(strata = "h", psu = "psu", fpc = "N1", ssu = c("ssu", "tsu"),
                                fpc2 = list("N2p", NULL)),
    "full", ms(d, ~N1 + N2p + inf), note = "stage 3 without fpc (R: Inf)")
add("three_stage_no_fpc2", list(strata = "h", psu = "psu", fpc = "N1", ssu = c("ssu", "tsu"),
                                fpc2 = list(NULL, "N3")),
    "full", ms(d, ~N1 + inf + N3), note = "stage 2 without fpc: stage 3 adds nothing")
add("three_stage_fractions", list(strata = "h", psu = "psu", fpc = "f1", ssu = c("ssu", "tsu"),
                                  fpc2 = c("f2", "f3")),
    "full", ms(d, ~f1 + f2 + f3), note = "fpc as sampling fractions")
# Lonely units at stage 3: the SSUs 1 of PSUs 1 and 5 keep one tertiary unit only.
lone <- d[!((d$psu %in% c(1, 5)) & d$ssu == 1 & d$tsu > 1), ]
lone$w <- (lone$N1 / ave(lone$psu, lone$h, FUN = function(v) length(unique(v)))) *
  lone$N2 / ave(lone$ssu, lone$psu, lone$s2, FUN = function(v) length(unique(v))) *
  lone$N3 / ave(lone$tsu, lone$psu, lone$ssu, FUN = function(v) length(unique(v)))
for (lonely in c("certainty", "remove", "adjust", "average")) {
  add(paste0("three_stage_lonely_", lonely),
      list(strata = "h", psu = "psu", fpc = "N1", ssu = c("ssu", "tsu"), fpc2 = c("N2p", "N3")),
      "lonely", ms(lone, ~N1 + N2p + N3, lonely = lonely), lonely = lonely,
      note = "two SSUs with a single sampled tertiary unit")
}
# "average" with strata at stage 2: a stage-2 stratum of a single SSU, the PSU's other
# stratum averaged in its place.
lone2 <- d[!(d$psu == 2 & d$s2 == "r" & d$ssu != min(d$ssu[d$psu == 2 & d$s2 == "r"])), ]
lone2$w <- (lone2$N1 / ave(lone2$psu, lone2$h, FUN = function(v) length(unique(v)))) *
  lone2$N2 / ave(lone2$ssu, lone2$psu, lone2$s2, FUN = function(v) length(unique(v))) *
  lone2$N3 / ave(lone2$tsu, lone2$psu, lone2$ssu, FUN = function(v) length(unique(v)))
add("three_stage_stage2_strata_average",
    list(strata = "h", psu = "psu", fpc = "N1", ssu = c("ssu", "tsu"), fpc2 = c("N2", "N3"),
         strata2 = list("s2", NULL)),
    "lonely2", ms(lone2, ~N1 + N2 + N3, strata = ~h + s2, lonely = "average"),
    lonely = "average", note = "a stage-2 stratum with one SSU")

# Four stages; a tertiary unit with a single person is a lonely unit at stage 4.
options(survey.lonely.psu = "certainty")
add("four_stage_fpc", list(strata = "h", psu = "psu", fpc = "N1",
                           ssu = c("ssu", "tsu", "person"), fpc2 = c("N2p", "N3", "N4")),
    "full", svydesign(ids = ~psu + ssu + tsu + person, strata = ~h, fpc = ~N1 + N2p + N3 + N4,
                      weights = ~w, data = d), lonely = "certainty",
    note = "four stages, lonely units at stage 4 (certainty)")

# Ultimate cluster: stage 1 only.
options(survey.ultimate.cluster = TRUE, survey.lonely.psu = "fail")
add("three_stage_ultimate_cluster", list(strata = "h", psu = "psu", fpc = "N1",
                                         ssu = c("ssu", "tsu"), fpc2 = c("N2p", "N3"),
                                         ultimate_cluster = TRUE),
    "full", svydesign(ids = ~psu + ssu + tsu, strata = ~h, fpc = ~N1 + N2p + N3, weights = ~w,
                      data = d), note = "options(survey.ultimate.cluster=TRUE)")
options(survey.ultimate.cluster = FALSE)

# A calibrated three-stage design: post-stratified on sex.
pop_sex <- data.frame(sex = c("F", "M"), Freq = c(26000, 25000))
dps <- postStratify(ms(d, ~N1 + N2p + N3), ~sex, pop_sex)
add("three_stage_poststratified", list(strata = "h", psu = "psu", fpc = "N1",
                                       ssu = c("ssu", "tsu"), fpc2 = c("N2p", "N3")),
    "full", dps, note = "postStratify(~sex) with F 26000, M 25000")

out <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  data = list(full = d, lonely = lone, lonely2 = lone2),
  poststratify = pop_sex,
  cases = cases
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null"),
           "tests/golden/r_survey/multistage.json")
