-- One database per service (relais_runtime.settings.Settings.database).
CREATE DATABASE relais_intake;
CREATE DATABASE relais_intake_vault;
CREATE DATABASE relais_dispositifs;
CREATE DATABASE relais_employment;
CREATE DATABASE relais_reporting;
