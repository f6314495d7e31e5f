from jsna.cli import main

main()
