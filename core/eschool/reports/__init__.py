"""Reports: a registry every role opens by its permission (hook ``eschool_report_types``), each report
one definition with three outputs: the page, XLSX and PDF."""
