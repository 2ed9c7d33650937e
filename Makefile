# The short commands; each is a script in scripts/ that works without make too.
.PHONY: demo test up down ps setup lint bench chaos fuzz

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

N ?= 10000
chaos:           ## fault injection: make chaos N=10000 (private RabbitMQ and PostgreSQL)
	scripts/chaos.sh $(N)

fuzz:            ## 10,000+ generated payloads at intake, in process, over AMQP and over HTTP
	scripts/fuzz.sh

# N is shared with chaos (default 10000); the benchmark's own default is 2000
bench: setup     ## the benchmark (not a test): make bench N=2000; ends with one summary line
	.venv/bin/python -m bench --n $(if $(filter command line environment,$(origin N)),$(N),2000)
