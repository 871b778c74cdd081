"""Privacy and identity: consent policy, links, PSI, releases, erasure, audit."""
