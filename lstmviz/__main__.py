import sys

try:
    from lstmviz.cli import main
except KeyboardInterrupt:  # (Ctrl-C while the command line's module is imported)
    print("lstmviz: interrupted", file=sys.stderr)
    raise SystemExit(130) from None

raise SystemExit(main())
