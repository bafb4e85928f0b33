"""Running a scan: the engine over the scanners, the gate (scan, then judge), the facts of a
change that release risk needs, the process pool that runs gates for the service, the SBOM."""
