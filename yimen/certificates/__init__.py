"""电子证照: certificate types and certificates issued when a case concludes 出证办结, their system
signature (SM2 over SM3), their files (OFD and PDF), verification, reuse at intake (免提交) and
一件事一次办 combined services."""
