"""qa-desktop: offline contact-centre quality assurance."""
