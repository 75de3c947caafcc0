"""Starts a Jupyter kernel by its kernelspec name, runs one cell, prints what the cell printed.

Usage: python3 run_kernel.py KERNEL_NAME
Jupyter finds the kernelspec through JUPYTER_PATH, as it would for a notebook. Prints `PREFIX=<sys.prefix>`.
"""

import sys

from jupyter_client.manager import start_new_kernel


def main() -> int:
    name = sys.argv[1]
    manager, client = start_new_kernel(kernel_name=name, startup_timeout=240)
    try:
        printed = []

        def on_output(message):
            if message["header"]["msg_type"] == "stream":
                printed.append(message["content"]["text"])

        reply = client.execute_interactive(
            "import sys; print(sys.prefix)", timeout=120, output_hook=on_output
        )
        if reply["content"]["status"] != "ok":
            print(f"the cell failed: {reply['content']}", file=sys.stderr)
            return 1
        print("PREFIX=" + "".join(printed).strip())
        return 0
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    sys.exit(main())
