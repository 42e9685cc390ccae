"""Reports (报表): the government's monthly report — totals, by scenario, by district, by
partner, participants, the points flow, trend charts and the latest signed checkpoint as proof —
assembled from the government ledger and written as CSV, XLSX or PDF, from the operator console
and from `carbonledger report`."""
