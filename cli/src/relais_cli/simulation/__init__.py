"""A network simulator calibrated on the 2023 activity reports of ../shared/seeds/."""
