"""All cases of the barrier corpus, in the order they are listed in truth.yaml."""
from cases_more import CASES as MORE
from cases_operable import CASES as OPERABLE
from cases_perceivable import CASES as PERCEIVABLE

ALL = PERCEIVABLE + OPERABLE + MORE
