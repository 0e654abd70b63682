from runnerlink.cli import main

raise SystemExit(main())
