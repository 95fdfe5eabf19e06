"""The local Kafka's configuration, one node or three: what each node is told about the others."""

from relais_cli.stack import kafka
from relais_runtime.settings import Settings


def properties(path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line)


def test_three_nodes_form_one_quorum_and_replicate_every_topic_three_times(tmp_path):
    settings = Settings(kafka_bootstrap="127.0.0.1:19092")
    nodes = kafka.node_paths(tmp_path, 3)
    for node in nodes:
        kafka.write_config(node, settings, brokers=3)
    configs = [properties(n.config) for n in nodes]
    assert [c["node.id"] for c in configs] == ["1", "2", "3"]
    assert {c["controller.quorum.voters"] for c in configs} == {"1@127.0.0.1:19093,2@127.0.0.1:19095,3@127.0.0.1:19097"}
    assert [c["listeners"] for c in configs][1] == "PLAINTEXT://127.0.0.1:19094,CONTROLLER://127.0.0.1:19095"
    assert len({c["log.dirs"] for c in configs}) == 3
    assert all(c["default.replication.factor"] == "3" and c["min.insync.replicas"] == "2" for c in configs)
    assert kafka.cluster_bootstrap(settings, 3) == "127.0.0.1:19092,127.0.0.1:19094,127.0.0.1:19096"


def test_the_single_node_keeps_its_ports_and_needs_no_replica(tmp_path):
    settings = Settings(kafka_bootstrap="127.0.0.1:19092", kafka_controller_port=19093)
    node = kafka.node_paths(tmp_path, 1)[0]
    kafka.write_config(node, settings)
    config = properties(node.config)
    assert config["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert config["min.insync.replicas"] == "1" and node.home == tmp_path / "kafka"


def test_every_client_is_given_every_broker():
    settings = Settings(kafka_bootstrap="127.0.0.1:19092, 127.0.0.1:19094,127.0.0.1:19096")
    assert settings.kafka_servers == ["127.0.0.1:19092", "127.0.0.1:19094", "127.0.0.1:19096"]
