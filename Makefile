# The short commands; each is a script in scripts/ that works without make too.
.PHONY: demo test up down ps setup lint

demo:            ## set up, start the services, run the demo workload, print the table
	scripts/demo.sh

test:            ## set up and run the whole test suite
	scripts/test.sh

setup:           ## virtualenv, dependencies, broker, database schemas, exchanges and queues
	scripts/bootstrap.sh runtime
	scripts/ensure-broker.sh
	.venv/bin/liaison migrate
	.venv/bin/liaison topology

up: setup        ## start the five processes in the background (var/log/*.log)
	.venv/bin/liaison up

down:            ## stop them (SIGTERM: in-flight work finishes and is acked)
	.venv/bin/liaison down

ps:
	.venv/bin/liaison ps

lint:
	.venv/bin/ruff check .
