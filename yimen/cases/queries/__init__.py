"""Reads of cases, one module per seam: visibility (who may see which case), public (the applicant's
status lookup), evaluations, stats (statistics) and supervision (the 监察 board)."""
