from lstmviz.cli import main

raise SystemExit(main())
