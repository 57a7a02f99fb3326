"""Side-by-side load benchmarks of SIEP-Perú against stock anchors (see bench/README.md)."""
